using FairKd.Core;
using FairKd.Core.Records;

namespace FairKd.Torch.Inference;

/// <summary>
/// A 4-way ONNX ethnicity model as an <see cref="IEthnicityClassifier"/>. Input handling (name, shape, fixed or
/// dynamic batch, channel order, mean/std) and execution (<see cref="OnnxRunOptions"/>) are those of
/// <see cref="OnnxFaceEmbedder"/>; the output must be [N, 4].
/// With <c>outputsAreLogits</c> (default) a softmax is applied; otherwise the outputs must already be
/// probabilities. <c>classOrder</c> names the group of each model output (default <see cref="EthnicGroups.Order"/>).
/// </summary>
public sealed class OnnxEthnicityClassifier : IEthnicityClassifier
{
    private readonly OnnxFaceEmbedder model;
    private readonly int[] sourceOfTarget;
    private readonly bool outputsAreLogits;

    /// <summary>Loads the model (see <see cref="OnnxFaceEmbedder"/>); a model that does not output 4 values is a <see cref="UsageException"/>.</summary>
    public OnnxEthnicityClassifier(string modelPath, IReadOnlyList<string>? classOrder = null, OnnxInputOptions? options = null, bool outputsAreLogits = true,
        OnnxRunOptions? run = null)
    {
        sourceOfTarget = TorchEthnicityClassifier.MapClassOrder(classOrder);
        this.outputsAreLogits = outputsAreLogits;
        model = new OnnxFaceEmbedder(modelPath, options, run);
        if (model.EmbeddingSize != 4)
        {
            model.Dispose();
            throw new UsageException($"{modelPath}: an ethnicity model must output 4 values per image, this one outputs {model.EmbeddingSize}");
        }
    }

    /// <inheritdoc/>
    public int InputSize => model.InputSize;

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> chwBatch, int count, Span<float> probabilities)
    {
        if (probabilities.Length < (long)count * 4)
            throw new ArgumentException($"output holds {probabilities.Length} floats, {count} x 4 needed", nameof(probabilities));
        var raw = new float[count * 4];
        model.Embed(chwBatch, count, raw);
        Span<float> row = stackalloc float[4];
        for (var i = 0; i < count; i++)
        {
            var r = raw.AsSpan(i * 4, 4);
            if (outputsAreLogits)
            {
                var max = Math.Max(Math.Max(r[0], r[1]), Math.Max(r[2], r[3]));
                double sum = 0;
                for (var k = 0; k < 4; k++) sum += row[k] = MathF.Exp(r[k] - max);
                for (var k = 0; k < 4; k++) row[k] = (float)(row[k] / sum);
            }
            else
            {
                r.CopyTo(row);
            }

            for (var j = 0; j < 4; j++) probabilities[i * 4 + j] = row[sourceOfTarget[j]];
        }
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => model.Dispose();
}
