using FairKd.Core;
using FairKd.Core.Records;
using Microsoft.ML.OnnxRuntime;

namespace FairKd.Torch.Inference;

/// <summary>
/// An ONNX face-recognition model (e.g. from the InsightFace model zoo) run by ONNX Runtime (CPU) as an
/// <see cref="IFaceEmbedder"/>. The input name and its [N, 3, H, W] shape are read from the model: a dynamic batch
/// dimension takes the whole batch in one run; a fixed batch B (often 1) runs in chunks of B (the last chunk
/// zero-padded). H must equal W. The embedding size is read from the output shape (or from one probe run when it
/// is dynamic). Input conversion per <see cref="OnnxInputOptions"/>. Thread-safe (calls are serialised).
/// </summary>
public sealed class OnnxFaceEmbedder : IFaceEmbedder
{
    private readonly InferenceSession session;
    private readonly OnnxInputOptions options;
    private readonly string outputName;
    private readonly float[] mean;
    private readonly float[] std;
    private readonly Lock gate = new();
    private float[] buffer = [];

    public OnnxFaceEmbedder(string modelPath, OnnxInputOptions? options = null)
    {
        this.options = options ?? new OnnxInputOptions();
        this.options.Validate();
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model not found: {modelPath}", modelPath);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = this.options.IntraOpThreads };
        try
        {
            session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UsageException($"{modelPath}: not a loadable ONNX model ({e.Message})");
        }

        try
        {
            Name = Path.GetFileName(modelPath);
            (InputName, FixedBatch, InputSize) = ReadInput(session, this.options, modelPath);
            outputName = session.OutputMetadata.Keys.First();
            mean = this.options.MeanOrDefault;
            std = this.options.StdOrDefault;
            var outDims = session.OutputMetadata[outputName].Dimensions;
            EmbeddingSize = outDims.Length == 2 && outDims[1] > 0 ? outDims[1] : ProbeEmbeddingSize();
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>The model input fed.</summary>
    public string InputName { get; }

    /// <summary>The model's fixed batch size, or null when the batch dimension is dynamic.</summary>
    public int? FixedBatch { get; }

    public int EmbeddingSize { get; }

    public int InputSize { get; }

    public void Embed(ReadOnlySpan<float> chwBatch, int count, Span<float> embeddings)
    {
        var per = 3 * InputSize * InputSize;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be >= 0");
        if (chwBatch.Length < (long)count * per)
            throw new ArgumentException($"input holds {chwBatch.Length} floats, {count} images of 3x{InputSize}x{InputSize} need {(long)count * per}", nameof(chwBatch));
        if (embeddings.Length < (long)count * EmbeddingSize)
            throw new ArgumentException($"output holds {embeddings.Length} floats, {count} x {EmbeddingSize} needed", nameof(embeddings));
        lock (gate)
        {
            var chunk = FixedBatch ?? Math.Max(1, count);
            for (var start = 0; start < count; start += chunk)
            {
                var n = Math.Min(chunk, count - start);
                RunChunk(chwBatch.Slice(start * per, n * per), n, FixedBatch ?? n, embeddings.Slice(start * EmbeddingSize, n * EmbeddingSize));
            }
        }
    }

    private void RunChunk(ReadOnlySpan<float> images, int n, int batch, Span<float> destination)
    {
        var per = 3 * InputSize * InputSize;
        if (buffer.Length != batch * per) buffer = new float[batch * per];
        Convert(images, n, buffer);
        if (n < batch) Array.Clear(buffer, n * per, (batch - n) * per);
        using var input = OrtValue.CreateTensorValueFromMemory(buffer, [batch, 3, InputSize, InputSize]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [InputName], [input], [outputName]);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[0] != batch || shape[1] != EmbeddingSize)
            throw new InvalidOperationException($"{Name}: output shape [{string.Join(", ", shape)}], expected [{batch}, {EmbeddingSize}]");
        outputs[0].GetTensorDataAsSpan<float>()[..(n * EmbeddingSize)].CopyTo(destination);
    }

    /// <summary>Canonical RGB (p - 127.5) / 127.5 -> the model's channel order and normalisation.</summary>
    private void Convert(ReadOnlySpan<float> images, int n, Span<float> target)
    {
        var plane = InputSize * InputSize;
        if (options.IsIdentity)
        {
            images[..(n * 3 * plane)].CopyTo(target);
            return;
        }

        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var sourceChannel = options.ChannelOrder == ChannelOrder.Bgr ? 2 - c : c;
                var src = images.Slice((i * 3 + sourceChannel) * plane, plane);
                var dst = target.Slice((i * 3 + c) * plane, plane);
                // p = x * 127.5 + 127.5; y = (p - mean) / std = x * a + b.
                var a = OnnxInputOptions.DefaultMeanStd / std[c];
                var b = (OnnxInputOptions.DefaultMeanStd - mean[c]) / std[c];
                for (var k = 0; k < plane; k++) dst[k] = src[k] * a + b;
            }
        }
    }

    private int ProbeEmbeddingSize()
    {
        var batch = FixedBatch ?? 1;
        var zeros = new float[batch * 3 * InputSize * InputSize];
        using var input = OrtValue.CreateTensorValueFromMemory(zeros, [batch, 3, InputSize, InputSize]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [InputName], [input], [outputName]);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[1] < 1)
            throw new UsageException($"{Name}: output '{outputName}' has shape [{string.Join(", ", shape)}]; a face embedder must output [N, E]");
        return (int)shape[1];
    }

    private static (string Name, int? FixedBatch, int Size) ReadInput(InferenceSession session, OnnxInputOptions options, string path)
    {
        var name = options.InputName ?? session.InputMetadata.Keys.First();
        if (!session.InputMetadata.TryGetValue(name, out var meta))
            throw new UsageException($"{path}: no input named '{name}'; the model's inputs: {string.Join(", ", session.InputMetadata.Keys)}");
        if (meta.ElementType != typeof(float))
            throw new UsageException($"{path}: input '{name}' has element type {meta.ElementType.Name}; only float32 inputs are supported");
        var d = meta.Dimensions;
        if (d.Length != 4 || (d[1] > 0 && d[1] != 3))
            throw new UsageException($"{path}: input '{name}' has shape [{string.Join(", ", d)}]; expected NCHW [N, 3, H, W]");
        int? fixedBatch = d[0] > 0 ? d[0] : null;
        int size;
        if (d[2] > 0 || d[3] > 0)
        {
            if (d[2] != d[3]) throw new UsageException($"{path}: input '{name}' is {d[2]}x{d[3]}; only square inputs are supported");
            size = d[2];
            if (options.InputSize is { } given && given != size)
                throw new UsageException($"{path}: the model's input is {size}x{size} but input size {given} was given");
        }
        else
        {
            size = options.InputSize ?? throw new UsageException($"{path}: input '{name}' has dynamic height/width; give the input size (e.g. 112)");
        }

        return (name, fixedBatch, size);
    }

    public void Dispose() => session.Dispose();
}
