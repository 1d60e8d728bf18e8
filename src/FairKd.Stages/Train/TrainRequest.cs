namespace FairKd.Stages.Train;

/// <summary>
/// A `fairkd train` run as <see cref="TrainStage.Prepare"/> leaves it for <see cref="TrainRun"/>: the options record as
/// given, and what was parsed or resolved from it (the rest is read from <see cref="Options"/>).
/// </summary>
internal sealed record TrainRequest
{
    /// <summary>The options as given (every raw value: epochs, lr, caches, seed, ...).</summary>
    public required TrainOptions Options { get; init; }

    /// <summary>The run folder (--out, checked to be present).</summary>
    public string OutDir => Options.OutDir!;

    /// <summary>--model, parsed.</summary>
    public required Torch.Models.ModelSpec Spec { get; init; }

    /// <summary>--loss, resolved: adaface, or softmax with --target group, when not given.</summary>
    public required string Loss { get; init; }

    /// <summary>--loss none: distillation alone, no margin loss.</summary>
    public bool KdOnly { get; init; }

    /// <summary>--kd, parsed.</summary>
    public Torch.Losses.KdMode KdMode { get; init; }

    /// <summary>--select, parsed: null for last, "best-val".</summary>
    public string? Select { get; init; }

    /// <summary>--target group: the 4-way ethnicity classifier.</summary>
    public bool GroupTarget { get; init; }

    /// <summary>--kd-weights, parsed: the caches are several teachers with these weights (null: shards of one teacher).</summary>
    public IReadOnlyList<double>? KdWeights { get; init; }

    /// <summary>--milestones, parsed.</summary>
    public required IReadOnlyList<int> Milestones { get; init; }

    /// <summary>Random horizontal flips (not --no-flip).</summary>
    public bool Flip => !Options.NoFlip;

    /// <summary>--landmarks and --unaligned (parsed by the code ingest and embed use).</summary>
    public required Data.Imaging.ImagingInputs Imaging { get; init; }

    /// <summary>Image roots by dataset name (--data-root for a manifest, --dataset roots otherwise), for the provenance record.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ImageRoots { get; init; } = [];
}
