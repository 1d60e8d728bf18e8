using FairKd.Core;
using FairKd.Core.Records;
using Microsoft.ML.OnnxRuntime;

namespace FairKd.Torch.Inference;

/// <summary>
/// An ONNX face-recognition model (e.g. from the InsightFace model zoo) run by ONNX Runtime (CPU) as an
/// <see cref="IFaceEmbedder"/>. The input name and its [N, 3, H, W] shape are read from the model: a dynamic batch
/// dimension takes the whole batch in one run; a fixed batch B (often 1) runs in chunks of B (the last chunk
/// zero-padded), <see cref="ConcurrentRuns"/> of them at once on the one session (<see cref="OnnxRunOptions"/>), each
/// chunk's output copied to its own position, so the outputs are the same bits however many runs go at once. H must
/// equal W. The embedding size is read from the output shape (or from one probe run when it is dynamic). Input
/// conversion per <see cref="OnnxInputOptions"/>. Thread-safe: calls are serialised (each call's chunks run concurrently).
/// </summary>
public sealed class OnnxFaceEmbedder : IFaceEmbedder
{
    private readonly InferenceSession session;
    private readonly OnnxInputOptions options;
    private readonly string outputName;
    private readonly float[] mean;
    private readonly float[] std;
    private readonly ChunkWorkers? workers;
    private readonly Lock gate = new();
    private float[] input = [];
    private float[] output = [];

    /// <summary>Loads <paramref name="modelPath"/> (a missing file is a <see cref="FileNotFoundException"/>, a file ONNX
    /// Runtime cannot load or a model of another shape a <see cref="UsageException"/>).</summary>
    public OnnxFaceEmbedder(string modelPath, OnnxInputOptions? options = null, OnnxRunOptions? run = null)
    {
        this.options = options ?? new OnnxInputOptions();
        this.options.Validate();
        run ??= new OnnxRunOptions();
        run.Validate();
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"ONNX model not found: {modelPath}", modelPath);
        Name = Path.GetFileName(modelPath);
        // The intra-op threads depend on whether runs go concurrently, which depends on the model's batch dimension:
        // open with 1 when not given (concurrent runs of a fixed batch), reopen when the model turns out otherwise.
        var opened = run.IntraOpThreads ?? 1;
        var s = Open(modelPath, opened, run.InterOpThreads);
        try
        {
            (InputName, FixedBatch, InputSize) = ReadInput(s, this.options, modelPath);
            ConcurrentRuns = run.ResolveRuns(FixedBatch, Name);
            IntraOpThreads = run.ResolveIntraOpThreads(ConcurrentRuns);
            InterOpThreads = run.InterOpThreads;
            if (IntraOpThreads != opened)
            {
                s.Dispose();
                s = Open(modelPath, IntraOpThreads, InterOpThreads);
            }

            session = s;
            outputName = session.OutputMetadata.Keys.First();
            mean = this.options.MeanOrDefault;
            std = this.options.StdOrDefault;
            var outDims = session.OutputMetadata[outputName].Dimensions;
            EmbeddingSize = outDims.Length == 2 && outDims[1] > 0 ? outDims[1] : ProbeEmbeddingSize();
            if (ConcurrentRuns > 1) workers = new ChunkWorkers(ConcurrentRuns, "onnx run");
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The model input fed.</summary>
    public string InputName { get; }

    /// <summary>The model's fixed batch size, or null when the batch dimension is dynamic.</summary>
    public int? FixedBatch { get; }

    /// <summary>Chunks of <see cref="FixedBatch"/> images that run at once (1 for a dynamic batch).</summary>
    public int ConcurrentRuns { get; }

    /// <summary>ONNX Runtime intra-op threads of each run, or null for ONNX Runtime's own default (one per physical core).</summary>
    public int? IntraOpThreads { get; }

    /// <summary>ONNX Runtime inter-op threads (1: the graph's nodes run one after another).</summary>
    public int InterOpThreads { get; }

    /// <inheritdoc/>
    public int EmbeddingSize { get; }

    /// <inheritdoc/>
    public int InputSize { get; }

    /// <summary>One line for logs: the batch dimension, the runs at once and the threads of each, e.g.
    /// "fixed batch 1, 2 concurrent runs, 1 intra-op thread each, sequential graph".</summary>
    public string ExecutionSummary =>
        $"{(FixedBatch is { } b ? $"fixed batch {b}" : "dynamic batch")}, {ConcurrentRuns} concurrent run{(ConcurrentRuns == 1 ? "" : "s")}, " +
        $"{(IntraOpThreads is { } t ? $"{t} intra-op thread{(t == 1 ? "" : "s")}" : "ONNX Runtime's default intra-op threads")} each, " +
        (InterOpThreads > 1 ? $"parallel graph on {InterOpThreads} inter-op threads" : "sequential graph");

    /// <inheritdoc/>
    public void Embed(ReadOnlySpan<float> chwBatch, int count, Span<float> embeddings)
    {
        var per = 3 * InputSize * InputSize;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be >= 0");
        if (chwBatch.Length < (long)count * per)
            throw new ArgumentException($"input holds {chwBatch.Length} floats, {count} images of 3x{InputSize}x{InputSize} need {(long)count * per}", nameof(chwBatch));
        if (embeddings.Length < (long)count * EmbeddingSize)
            throw new ArgumentException($"output holds {embeddings.Length} floats, {count} x {EmbeddingSize} needed", nameof(embeddings));
        if (count == 0) return;
        lock (gate)
        {
            var batch = FixedBatch ?? count;
            var chunks = (count + batch - 1) / batch;
            Ensure(ref input, chunks * batch * per);
            Ensure(ref output, chunks * batch * EmbeddingSize);
            Convert(chwBatch, count, input);
            input.AsSpan(count * per, ((chunks * batch) - count) * per).Clear();
            if (workers is null)
            {
                for (var c = 0; c < chunks; c++) RunChunk(c, batch);
            }
            else
            {
                workers.Run(chunks, c => RunChunk(c, batch));
            }

            output.AsSpan(0, count * EmbeddingSize).CopyTo(embeddings);
        }
    }

    /// <summary>Runs images [chunk * batch, (chunk + 1) * batch) of the converted input into the same rows of the output.</summary>
    private void RunChunk(int chunk, int batch)
    {
        var per = 3 * InputSize * InputSize;
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(input, chunk * batch * per, batch * per),
            [batch, 3, InputSize, InputSize]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [InputName], [value], [outputName]);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[0] != batch || shape[1] != EmbeddingSize)
            throw new InvalidOperationException($"{Name}: output shape [{string.Join(", ", shape)}], expected [{batch}, {EmbeddingSize}]");
        outputs[0].GetTensorDataAsSpan<float>().CopyTo(output.AsSpan(chunk * batch * EmbeddingSize, batch * EmbeddingSize));
    }

    private static void Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }

    private static InferenceSession Open(string path, int? intraOpThreads, int interOpThreads)
    {
        using var sessionOptions = new SessionOptions();
        if (intraOpThreads is { } intra) sessionOptions.IntraOpNumThreads = intra;
        if (interOpThreads > 1)
        {
            sessionOptions.ExecutionMode = ExecutionMode.ORT_PARALLEL;
            sessionOptions.InterOpNumThreads = interOpThreads;
        }

        try
        {
            return new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UsageException($"{path}: not a loadable ONNX model ({e.Message})");
        }
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

    /// <summary>Stops the concurrent-run workers and releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        workers?.Dispose();
        session.Dispose();
    }
}
