using FairKd.Core;
using FairKd.Torch.Losses;

namespace FairKd.Torch.Train;

/// <summary>Settings of a training run. Defaults are the study's (<see cref="StudyDefaults"/>, read from its KD.py + config.py).</summary>
public sealed record TrainerOptions
{
    /// <summary>Folder for checkpoints (<c>checkpoints/</c>), the JSONL log (<c>train.jsonl</c>) and TensorBoard events (<c>tensorboard/</c>). Required.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Batch size the producer uses; only scales the learning rate (default 128, the study's).</summary>
    public int BatchSize { get; init; } = StudyDefaults.BatchSize;

    /// <summary>Base learning rate before batch scaling (default 0.1).</summary>
    public double BaseLr { get; init; } = StudyDefaults.BaseLr;

    /// <summary>Reference batch of the linear scaling rule lr = BaseLr * BatchSize / ReferenceBatch (default 512).</summary>
    public int ReferenceBatch { get; init; } = StudyDefaults.LrReferenceBatch;

    /// <summary>SGD momentum (default 0.9).</summary>
    public double Momentum { get; init; } = StudyDefaults.Momentum;

    /// <summary>SGD weight decay, both parameter groups (default 5e-4).</summary>
    public double WeightDecay { get; init; } = StudyDefaults.WeightDecay;

    /// <summary>Epochs at which the lr is multiplied by 0.1, with the study's off-by-one (see <see cref="StudySchedule"/>); default 8, 14, 20, 25.</summary>
    public IReadOnlyList<int> Milestones { get; init; } = StudyDefaults.Milestones;

    /// <summary>Number of epochs (default 26); batches of later epochs are refused.</summary>
    public int Epochs { get; init; } = StudyDefaults.Epochs;

    /// <summary>Max L2 norm of the backbone gradients (default 5; the header is not clipped). 0 disables clipping.</summary>
    public double ClipNorm { get; init; } = StudyDefaults.ClipNorm;

    /// <summary>Distillation term used when a batch carries teacher targets (default MSE).</summary>
    public KdMode KdMode { get; init; } = KdMode.Mse;

    /// <summary>Weight of the distillation term; null = <see cref="DistillationLoss.DefaultLambda"/> (10000 for MSE).</summary>
    public double? KdLambda { get; init; }

    /// <summary>Seed of torch's global generator (dropout etc.; default 0). Seed it before building the backbone too.</summary>
    public long Seed { get; init; }

    /// <summary>Write a JSONL/TensorBoard record every this many steps (default 50).</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Write TensorBoard event files (default true).</summary>
    public bool TensorBoard { get; init; } = true;

    /// <summary>Keep only this many newest checkpoints; null keeps all (default).</summary>
    public int? KeepCheckpoints { get; init; }

    /// <summary>Device: "cpu" (default), "cuda", "cuda:1".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The learning rate of epoch 0: BaseLr * BatchSize / ReferenceBatch (0.025 for the study).</summary>
    public double ScaledLr => BaseLr * BatchSize / ReferenceBatch;

    /// <summary>The effective KD weight.</summary>
    public double EffectiveKdLambda => KdLambda ?? DistillationLoss.DefaultLambda(KdMode);

    /// <summary>Throws <see cref="UsageException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDir)) throw new UsageException("train: an output folder is required");
        if (BatchSize < 1 || ReferenceBatch < 1) throw new UsageException($"train: batch size ({BatchSize}) and reference batch ({ReferenceBatch}) must be >= 1");
        if (!(BaseLr > 0) || !double.IsFinite(BaseLr)) throw new UsageException($"train: base lr must be > 0, got {BaseLr}");
        if (Momentum is < 0 or >= 1) throw new UsageException($"train: momentum must be in [0, 1), got {Momentum}");
        if (WeightDecay < 0) throw new UsageException($"train: weight decay must be >= 0, got {WeightDecay}");
        if (Epochs < 1) throw new UsageException($"train: epochs must be >= 1, got {Epochs}");
        if (Milestones.Any(m => m < 1)) throw new UsageException("train: milestones must be >= 1");
        if (ClipNorm < 0) throw new UsageException($"train: clip norm must be >= 0, got {ClipNorm}");
        if (KdLambda is < 0) throw new UsageException($"train: KD lambda must be >= 0, got {KdLambda}");
        if (LogEvery < 1) throw new UsageException($"train: log interval must be >= 1, got {LogEvery}");
        if (KeepCheckpoints is < 1) throw new UsageException($"train: keep-checkpoints must be >= 1, got {KeepCheckpoints}");
    }
}
