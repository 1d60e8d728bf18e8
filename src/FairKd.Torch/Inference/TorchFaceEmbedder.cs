using FairKd.Core.Records;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Torch.Inference;

/// <summary>
/// A registry network run by TorchSharp as an <see cref="IFaceEmbedder"/>: eval mode, inference mode, one dispose
/// scope per batch. Input: RGB CHW <c>(x - 127.5) / 127.5</c> (arcface_torch's convention); output: raw embeddings.
/// Thread-safe (calls are serialised). Owns and disposes the model.
/// </summary>
public sealed class TorchFaceEmbedder : IFaceEmbedder
{
    private readonly TorchBatchRunner runner;
    private readonly FaceBackbone running;

    /// <summary>Wraps an already-built (and loaded) model; takes ownership.</summary>
    public TorchFaceEmbedder(FaceBackbone model, TorchInferenceOptions? options = null, string? name = null, string? weightsSha256 = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Name = name ?? model.Spec.Name;
        WeightsSha256 = weightsSha256;
        options ??= new TorchInferenceOptions();
        running = options.Fuse ? model.FuseForInference() : model;
        runner = new TorchBatchRunner(running, options, running.UseHalfPrecisionTrunk);
    }

    /// <summary>Builds <paramref name="spec"/> from the registry and loads <paramref name="weightsPath"/> strictly
    /// (see <see cref="ModelWeights.Load"/> for formats and errors).</summary>
    public static TorchFaceEmbedder Create(ModelSpec spec, string weightsPath, TorchInferenceOptions? options = null)
    {
        var model = ModelRegistry.Create(spec);
        try
        {
            ModelWeights.Load(model, weightsPath);
            return new TorchFaceEmbedder(model, options, spec.Name, ModelWeights.Sha256(weightsPath));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The network as loaded (for inspection and saving; do not run it concurrently with <see cref="Embed"/>).
    /// With <see cref="TorchInferenceOptions.Fuse"/> the embedder runs its fused inference form, a separate copy.</summary>
    public FaceBackbone Model { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>SHA-256 of the weights file when built by <see cref="Create"/>, else what the caller gave.</summary>
    public string? WeightsSha256 { get; }

    /// <inheritdoc/>
    public int EmbeddingSize => Model.EmbeddingSize;

    /// <inheritdoc/>
    public int InputSize => Model.InputSize;

    /// <inheritdoc/>
    public void Embed(ReadOnlySpan<float> chwBatch, int count, Span<float> embeddings) =>
        runner.Run(chwBatch, count, InputSize, embeddings, EmbeddingSize);

    /// <summary>Releases the batch runner and the owned model (and its fused copy, if any).</summary>
    public void Dispose()
    {
        runner.Dispose();
        if (!ReferenceEquals(running, Model)) Model.Dispose();
    }
}
