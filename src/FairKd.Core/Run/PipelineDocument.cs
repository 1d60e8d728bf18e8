namespace FairKd.Core.Run;

/// <summary>
/// A pipeline file (<c>pipelines/*.json</c>, JSON with comments), schema version 1. Every string may use
/// <c>${var}</c> from <see cref="Vars"/> (overridable with <c>fairkd run --var name=value</c>). See pipelines/README.md.
/// </summary>
public sealed record PipelineDocument
{
    /// <summary>Schema version; must be 1.</summary>
    public int SchemaVersion { get; init; }

    /// <summary>Name shown in plans and logs.</summary>
    public string Name { get; init; } = "";

    /// <summary>Variables substituted into every string (<c>${name}</c>); values may use earlier variables.</summary>
    public Dictionary<string, string> Vars { get; init; } = [];

    /// <summary>Folder that holds every step's output and the run state (<c>.fairkd/</c>). Required.</summary>
    public string Out { get; init; } = "";

    /// <summary>Generate the demo data first (the demo pipeline only).</summary>
    public DemoDataEntry? DemoData { get; init; }

    /// <summary>Training datasets by the name used as the sample-key prefix everywhere.</summary>
    public Dictionary<string, DatasetEntry> Datasets { get; init; } = [];

    /// <summary>Settings every step of a kind starts from.</summary>
    public StepDefaults Defaults { get; init; } = new();

    /// <summary>Short model names used by teachers and students: spec text (<c>iresnet34</c>, <c>iresnet18:width=0.125</c>) and the report's name.</summary>
    public Dictionary<string, ModelEntry> Models { get; init; } = [];

    /// <summary>Short loss names: the <c>fairkd train --loss</c> name and the report's name.</summary>
    public Dictionary<string, LossEntry> Losses { get; init; } = [];

    /// <summary>Teachers: trained here (<see cref="TeacherEntry.Datasets"/>) or loaded (<see cref="TeacherEntry.Weights"/>).</summary>
    public Dictionary<string, TeacherEntry> Teachers { get; init; } = [];

    /// <summary>Where the per-image ethnicity soft labels of the caches come from.</summary>
    public EthnicityEntry? Ethnicity { get; init; }

    /// <summary>Teacher embedding caches: one <c>fairkd embed</c> per entry.</summary>
    public Dictionary<string, CacheEntry> Caches { get; init; } = [];

    /// <summary>Training sets: one <c>fairkd manifest build</c> per entry.</summary>
    public Dictionary<string, ManifestEntry> Manifests { get; init; } = [];

    /// <summary>Student grids: every combination of models x losses x data x kd is one trained model.</summary>
    public List<StudentGrid> Students { get; init; } = [];

    /// <summary>Evaluation sets; every teacher (unless it opts out) and every student is evaluated on all of them.</summary>
    public EvalEntry? Eval { get; init; }

    /// <summary>The report over every evaluated model.</summary>
    public ReportEntry? Report { get; init; }

    /// <summary>Measured images/s for cost estimates, keyed <c>stage:model-spec</c>, <c>stage:model-name</c> or <c>stage</c>
    /// (stages: train, embed, eval). Missing rates show as unknown cost.</summary>
    public Dictionary<string, double> Rates { get; init; } = [];
}

/// <summary><c>fairkd demo-data</c> settings.</summary>
public sealed record DemoDataEntry(string Out, string Scale = "small", int Seed = 1);

/// <summary>A dataset: folder (or <c>.rec</c> file), layout, optional landmark file and its expected image count (for estimates).</summary>
public sealed record DatasetEntry(string Path, string? Layout = null, long Images = 0, string? Landmarks = null);

/// <summary>A short model name's spec text and report name.</summary>
public sealed record ModelEntry(string Spec, string? Display = null);

/// <summary>A short loss name's <c>fairkd train --loss</c> value and report name.</summary>
public sealed record LossEntry(string Name, string? Display = null);

/// <summary>Defaults for every step of a kind.</summary>
public sealed record StepDefaults
{
    /// <summary>Training defaults (teachers, classifier, students).</summary>
    public TrainSettings Train { get; init; } = new();

    /// <summary>Embedding defaults.</summary>
    public EmbedSettings Embed { get; init; } = new();

    /// <summary>Evaluation defaults.</summary>
    public EvalSettings Eval { get; init; } = new();
}

/// <summary>Training settings; null = the command's own default. Entries override <see cref="StepDefaults.Train"/> field by field.</summary>
public sealed record TrainSettings
{
    /// <summary>--epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>--batch-size.</summary>
    public int? BatchSize { get; init; }

    /// <summary>--lr.</summary>
    public double? Lr { get; init; }

    /// <summary>--milestones.</summary>
    public List<int>? Milestones { get; init; }

    /// <summary>--seed.</summary>
    public int? Seed { get; init; }

    /// <summary>--device.</summary>
    public string? Device { get; init; }

    /// <summary>--workers.</summary>
    public int? Workers { get; init; }

    /// <summary>--kd-lambda (KD students only).</summary>
    public double? KdLambda { get; init; }

    /// <summary>--val-split.</summary>
    public double? ValSplit { get; init; }

    /// <summary>--select (last or best-val).</summary>
    public string? Select { get; init; }

    /// <summary>--threads.</summary>
    public int? Threads { get; init; }

    /// <summary>--log-every.</summary>
    public int? LogEvery { get; init; }

    /// <summary>--keep-checkpoints.</summary>
    public int? KeepCheckpoints { get; init; }

    /// <summary>No longer accepted (a step is its stage's options record, built from the typed fields above); the planner
    /// refuses a non-empty list with the fields to use instead.</summary>
    public List<string>? Args { get; init; }

    /// <summary>This record with every null field taken from <paramref name="fallback"/>; <see cref="Args"/> concatenate.</summary>
    public TrainSettings Over(TrainSettings? fallback) => fallback is null ? this : new TrainSettings
    {
        Epochs = Epochs ?? fallback.Epochs,
        BatchSize = BatchSize ?? fallback.BatchSize,
        Lr = Lr ?? fallback.Lr,
        Milestones = Milestones ?? fallback.Milestones,
        Seed = Seed ?? fallback.Seed,
        Device = Device ?? fallback.Device,
        Workers = Workers ?? fallback.Workers,
        KdLambda = KdLambda ?? fallback.KdLambda,
        ValSplit = ValSplit ?? fallback.ValSplit,
        Select = Select ?? fallback.Select,
        Threads = Threads ?? fallback.Threads,
        LogEvery = LogEvery ?? fallback.LogEvery,
        KeepCheckpoints = KeepCheckpoints ?? fallback.KeepCheckpoints,
        Args = [.. fallback.Args ?? [], .. Args ?? []],
    };
}

/// <summary>Embedding settings (same override rule as <see cref="TrainSettings"/>).</summary>
public sealed record EmbedSettings
{
    /// <summary>--batch-size.</summary>
    public int? BatchSize { get; init; }

    /// <summary>--shard-rows.</summary>
    public int? ShardRows { get; init; }

    /// <summary>--device.</summary>
    public string? Device { get; init; }

    /// <summary>--workers.</summary>
    public int? Workers { get; init; }

    /// <summary>--threads.</summary>
    public int? Threads { get; init; }

    /// <summary>No longer accepted (see <see cref="TrainSettings.Args"/>).</summary>
    public List<string>? Args { get; init; }

    /// <summary>This record with null fields taken from <paramref name="fallback"/>.</summary>
    public EmbedSettings Over(EmbedSettings? fallback) => fallback is null ? this : new EmbedSettings
    {
        BatchSize = BatchSize ?? fallback.BatchSize,
        ShardRows = ShardRows ?? fallback.ShardRows,
        Device = Device ?? fallback.Device,
        Workers = Workers ?? fallback.Workers,
        Threads = Threads ?? fallback.Threads,
        Args = [.. fallback.Args ?? [], .. Args ?? []],
    };
}

/// <summary>Evaluation settings.</summary>
public sealed record EvalSettings
{
    /// <summary>--batch-size.</summary>
    public int? BatchSize { get; init; }

    /// <summary>--device.</summary>
    public string? Device { get; init; }

    /// <summary>--workers.</summary>
    public int? Workers { get; init; }

    /// <summary>--threads.</summary>
    public int? Threads { get; init; }

    /// <summary>--bootstrap (identity-bootstrap resamples).</summary>
    public int? Bootstrap { get; init; }

    /// <summary>No longer accepted (see <see cref="TrainSettings.Args"/>).</summary>
    public List<string>? Args { get; init; }
}

/// <summary>A teacher: <see cref="Model"/> and <see cref="Loss"/> are keys of the model/loss tables (or spec/loss names).
/// Either <see cref="Datasets"/> (train it here) or <see cref="Weights"/> (load it).</summary>
public sealed record TeacherEntry
{
    /// <summary>Model key or spec text.</summary>
    public string Model { get; init; } = "";

    /// <summary>Loss key or name.</summary>
    public string Loss { get; init; } = "";

    /// <summary>Existing backbone weights (no training step).</summary>
    public string? Weights { get; init; }

    /// <summary>Datasets to train on.</summary>
    public List<string>? Datasets { get; init; }

    /// <summary>Training overrides.</summary>
    public TrainSettings? Train { get; init; }

    /// <summary>Evaluate this teacher (default true).</summary>
    public bool Eval { get; init; } = true;

    /// <summary>Report "data" column (default Real).</summary>
    public string Data { get; init; } = "Real";
}

/// <summary>Ethnicity soft labels: one of a classifier trained here (<see cref="Model"/> + <see cref="Datasets"/>), given classifier
/// weights (<see cref="Model"/> + <see cref="Weights"/>), a predictions file (<see cref="File"/>) or the folder groups (<see cref="FromFolders"/>).</summary>
public sealed record EthnicityEntry
{
    /// <summary>Classifier backbone (model key or spec text).</summary>
    public string? Model { get; init; }

    /// <summary>Existing classifier weights.</summary>
    public string? Weights { get; init; }

    /// <summary>Datasets with folder groups to train the classifier on.</summary>
    public List<string>? Datasets { get; init; }

    /// <summary>Training overrides for the classifier.</summary>
    public TrainSettings? Train { get; init; }

    /// <summary>The study's predictions file (<c>p_Caucasian,p_Asian,p_Indian,p_African,_,path</c>).</summary>
    public string? File { get; init; }

    /// <summary>One-hot labels from the dataset layout's group folders.</summary>
    public bool FromFolders { get; init; }

    /// <summary>Class order of a given classifier's outputs (<c>--ethnicity-order</c>).</summary>
    public string? Order { get; init; }
}

/// <summary>One embedding cache: a teacher key over a list of dataset names.</summary>
public sealed record CacheEntry(string Teacher, List<string> Datasets, EmbedSettings? Embed = null);

/// <summary>One training set: a recipe file over caches (their labels), its report name and an expected image count for estimates.</summary>
public sealed record ManifestEntry(string Recipe, List<string> Caches, string? Display = null, long Images = 0);

/// <summary>
/// A grid of students. <see cref="Id"/> is a template over <c>{model}</c>, <c>{loss}</c>, <c>{data}</c> and <c>{kd}</c>
/// (<c>kd</c> or <c>scratch</c>). With <see cref="Kd"/> true the student is distilled from <see cref="Cache"/>.
/// </summary>
public sealed record StudentGrid
{
    /// <summary>Step id template.</summary>
    public string Id { get; init; } = "{model}-{loss}-{data}-{kd}";

    /// <summary>Model keys.</summary>
    public List<string> Models { get; init; } = [];

    /// <summary>Loss keys.</summary>
    public List<string> Losses { get; init; } = [];

    /// <summary>Manifest keys.</summary>
    public List<string> Data { get; init; } = [];

    /// <summary>KD off/on values to cross.</summary>
    public List<bool> Kd { get; init; } = [false];

    /// <summary>Cache key of the KD targets (required when a value of <see cref="Kd"/> is true).</summary>
    public string? Cache { get; init; }

    /// <summary>Training overrides.</summary>
    public TrainSettings? Train { get; init; }

    /// <summary>Free text naming the study table the grid reproduces (shown in the plan).</summary>
    public string? Table { get; init; }
}

/// <summary>Evaluation sets.</summary>
public sealed record EvalEntry
{
    /// <summary>RFW root (release layout).</summary>
    public string? Rfw { get; init; }

    /// <summary>Images under the RFW root (for estimates).</summary>
    public long RfwImages { get; init; }

    /// <summary>LFW-style pair lists.</summary>
    public List<PairSetEntry> Lfw { get; init; } = [];

    /// <summary>CPLFW/CALFW-style pair lists.</summary>
    public List<PairSetEntry> Pairs { get; init; } = [];

    /// <summary>InsightFace .bin packs by name.</summary>
    public Dictionary<string, BinEntry> Bin { get; init; } = [];
}

/// <summary>A pair list + image root (+ landmarks) and its image count for estimates.</summary>
public sealed record PairSetEntry(string Name, string Pairs, string Root, string? Landmarks = null, long Images = 0);

/// <summary>A .bin pack and its image count for estimates.</summary>
public sealed record BinEntry(string Path, long Images = 0);

/// <summary>The report step: output folder (default: the pipeline's <see cref="PipelineDocument.Out"/>) and optional published numbers.</summary>
public sealed record ReportEntry(string? Out = null, string? Reference = null);
