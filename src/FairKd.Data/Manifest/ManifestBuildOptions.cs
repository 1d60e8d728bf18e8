namespace FairKd.Data.Manifest;

/// <summary>Options of ManifestBuilder's <c>BuildAsync</c> overloads beyond the recipe.</summary>
public sealed record ManifestBuildOptions
{
    /// <summary>Fingerprints of the inputs (e.g. one per cache folder), recorded sorted in the card. Default: none.</summary>
    public IReadOnlyList<string> InputFingerprints { get; init; } = [];

    /// <summary>Version recorded in the card. Default: the FairKd assembly version (major.minor.patch).</summary>
    public string FairKdVersion { get; init; } = DefaultVersion;

    /// <summary>|sum of an image's soft labels - 1| above this is counted as a warning in the card (errors start at the
    /// recipe's softLabelTolerance, default 0.01). Default: 0.001.</summary>
    public double SoftLabelWarnAbove { get; init; } = 0.001;

    /// <summary>The ethnicity classifier's per-group accuracy on a labelled held-out cache (<c>--ethnicity-holdout</c>),
    /// recorded in the card; null: the card says why it is unknown. Default: null.</summary>
    public ClassifierAccuracy? HeldOut { get; init; }

    /// <summary>Records the build (the caller adds the inputs it read; the builder counts and finishes it into the card's
    /// <see cref="DataCard.Provenance"/>). Default: null, no provenance in the card.</summary>
    public Core.Records.ProvenanceRecorder? Provenance { get; init; }

    /// <summary>Test hook: runs on the complete temporary release folder just before it replaces the target.</summary>
    internal Action<string>? BeforeCommit { get; init; }

    /// <summary>FairKd's version as major.minor.patch.</summary>
    public static string DefaultVersion => typeof(ManifestBuildOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

/// <summary>What a build produced.</summary>
public sealed record ManifestBuildResult(string OutDir, DataCard Card);
