using FairKd.Core;

namespace FairKd.Torch.Inference;

/// <summary>
/// How ONNX Runtime executes a model: how many runs go at once and the threads of each. None of these settings changes
/// an output bit: a chunk's output is computed alone and lands at the chunk's position (tested for 1 against N runs and
/// thread counts).
/// </summary>
/// <param name="Runs">Runs at once for a model whose batch dimension is fixed (B, often 1): an
/// <see cref="OnnxFaceEmbedder.Embed"/> call of N images is cut into ceil(N / B) chunks that this many threads run
/// concurrently on the one session (ONNX Runtime's Run is thread-safe). Null (default): one per logical core. A model
/// with a dynamic batch dimension runs each call's images as one batch (its size is the caller's batch size), so a value
/// above 1 is refused for it.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads of each run (work inside one operator). Null (default): 1
/// when runs go concurrently (each run then keeps its thread busy without synchronising), otherwise ONNX Runtime's own
/// default (one per physical core).</param>
/// <param name="InterOpThreads">ONNX Runtime inter-op threads. 1 (default): the graph's nodes run one after another
/// (its sequential execution mode). N > 1: independent nodes run in parallel on N threads (its parallel execution mode;
/// it helps only graphs with parallel branches).</param>
public sealed record OnnxRunOptions(int? Runs = null, int? IntraOpThreads = null, int InterOpThreads = 1)
{
    /// <summary>Checks the values (a value below 1 is a <see cref="UsageException"/>).</summary>
    public void Validate()
    {
        if (Runs is < 1) throw new UsageException($"ONNX concurrent runs must be at least 1, got {Runs}");
        if (IntraOpThreads is < 1) throw new UsageException($"ONNX Runtime intra-op threads must be at least 1, got {IntraOpThreads}");
        if (InterOpThreads < 1) throw new UsageException($"ONNX Runtime inter-op threads must be at least 1, got {InterOpThreads}");
    }

    /// <summary>The runs at once for a model with this batch dimension (null = dynamic): <see cref="Runs"/> or one per
    /// logical core for a fixed batch, 1 for a dynamic one (an explicit value above 1 is refused, naming the model).</summary>
    internal int ResolveRuns(int? fixedBatch, string model)
    {
        if (fixedBatch is not null) return Runs ?? Environment.ProcessorCount;
        if (Runs is > 1)
            throw new UsageException($"{model}: the batch dimension is dynamic, so each batch runs whole in one call and " +
                $"{Runs} concurrent runs (--onnx-runs) do not apply; set the batch size (--batch-size) and the threads of the run (--threads) instead");
        return 1;
    }

    /// <summary>The intra-op threads to give ONNX Runtime for this many runs at once (null = its own default).</summary>
    internal int? ResolveIntraOpThreads(int runs) => IntraOpThreads ?? (runs > 1 ? 1 : null);
}
