namespace FairKd.Stages.Train;

/// <summary>The train stage's options parsed and checked by <see cref="TrainStage.Prepare"/> from <see cref="TrainOptions"/> (defaults there).</summary>
internal sealed record TrainRequest
{
    public required string OutDir { get; init; }

    public required string ModelSpec { get; init; }

    public required string Loss { get; init; }

    public bool GroupTarget { get; init; }

    public IReadOnlyList<string> Caches { get; init; } = [];

    /// <summary>--loss-weight NAME=MARGIN,KD entries (per-dataset weights of the two terms).</summary>
    public IReadOnlyList<string> LossWeights { get; init; } = [];

    public string KdMode { get; init; } = "mse";

    public double? KdLambda { get; init; }

    /// <summary>--kd-weights: the caches are several teachers with these weights (null: shards of one teacher).</summary>
    public IReadOnlyList<double>? KdWeights { get; init; }

    public int Epochs { get; init; } = Core.StudyDefaults.Epochs;

    public int BatchSize { get; init; } = Core.StudyDefaults.BatchSize;

    public double Lr { get; init; } = Core.StudyDefaults.BaseLr;

    public IReadOnlyList<int> Milestones { get; init; } = Core.StudyDefaults.Milestones;

    public bool Flip { get; init; } = true;

    public int Seed { get; init; }

    public int Workers { get; init; } = Core.MachineDefaults.Workers;

    public int? Threads { get; init; }

    public string Device { get; init; } = "cpu";

    public bool Resume { get; init; }

    public long? MaxSteps { get; init; }

    public int LogEvery { get; init; } = 50;

    public string? InitWeights { get; init; }

    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>--val-split: share of the training identities held out and validated after every epoch (null: none).</summary>
    public double? ValSplit { get; init; }

    /// <summary>--select: last (default) or best-val.</summary>
    public string Select { get; init; } = "last";

    /// <summary>--landmarks and --unaligned (parsed by the code ingest and embed use).</summary>
    public required Data.Imaging.ImagingInputs Imaging { get; init; }

    /// <summary>The release folder trained on (--manifest), or null.</summary>
    public string? Manifest { get; init; }

    /// <summary>Image roots by dataset name (--data-root for a manifest, --dataset roots otherwise), for the provenance record.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ImageRoots { get; init; } = [];
}
