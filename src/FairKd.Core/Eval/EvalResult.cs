namespace FairKd.Core.Eval;

/// <summary>What kind of target set produced a <see cref="TargetSetResult"/> (JSON: rfw-group, lfw, bin, pairs).</summary>
public enum TargetSetKind
{
    /// <summary>One RFW group (African, Asian, Caucasian, Indian) from the RFW release layout.</summary>
    RfwGroup,

    /// <summary>LFW pairs.txt + image folder.</summary>
    Lfw,

    /// <summary>An InsightFace .bin pack (lfw.bin, cfp_fp.bin, agedb_30.bin, calfw.bin, cplfw.bin, African_test.bin, ...).</summary>
    Bin,

    /// <summary>A generic pair list (CPLFW/CALFW style) + image root.</summary>
    Pairs,
}

/// <summary>
/// The numbers of one evaluation target set, as stored in eval.json. Accuracy, TAR and FAR are fractions (0..1),
/// as the scorer reports them; the report prints percentages.
/// </summary>
/// <param name="Name">Set name as given on the command line (e.g. lfw, cfp_fp, agedb_30, African).</param>
/// <param name="Kind">Where the pairs came from.</param>
/// <param name="Group">RFW group for <see cref="TargetSetKind.RfwGroup"/> sets (else null).</param>
/// <param name="DataFingerprint">Caller-supplied fingerprint of the evaluation data (e.g. sha256 of the pack or pair list).</param>
/// <param name="Pairs">Pairs scored.</param>
/// <param name="GenuinePairs">Pairs flagged same.</param>
/// <param name="ImpostorPairs">Pairs flagged different.</param>
/// <param name="AccuracyMean">Mean held-out fold accuracy (fraction).</param>
/// <param name="AccuracyStd">Population std (ddof 0) of the fold accuracies.</param>
/// <param name="FoldAccuracies">Held-out accuracy of every fold.</param>
/// <param name="BestThresholds">Threshold chosen for every fold.</param>
/// <param name="TarAtFar">TAR at each FAR target (null TAR where the pairs do not allow it).</param>
/// <param name="Auc">ROC AUC, null without both classes.</param>
/// <param name="Roc">Compact ROC curve (FAR ascending).</param>
public sealed record TargetSetResult(
    string Name,
    TargetSetKind Kind,
    string? Group,
    string DataFingerprint,
    int Pairs,
    int GenuinePairs,
    int ImpostorPairs,
    double AccuracyMean,
    double AccuracyStd,
    IReadOnlyList<double> FoldAccuracies,
    IReadOnlyList<double> BestThresholds,
    IReadOnlyList<TarAtFar> TarAtFar,
    double? Auc,
    IReadOnlyList<RocPoint> Roc)
{
    /// <summary>Pairs of the list left out because an image could not be read, decoded, aligned or found in the cache
    /// (counted, never silently: the pairs scored are <see cref="Pairs"/>).</summary>
    public int DroppedPairs { get; init; }

    /// <summary>Distinct identities in the scored pairs (<see cref="PairIdentity"/>); null when the set names none (.bin packs) and in schema-1 files.</summary>
    public int? Identities { get; init; }

    /// <summary>Identity-bootstrap percentile interval of <see cref="AccuracyMean"/> (fractions); null when there is none (<see cref="IntervalNote"/>).</summary>
    public BootstrapInterval? AccuracyInterval { get; init; }

    /// <summary>Why <see cref="AccuracyInterval"/> is null (bootstrap off, no identities), else null.</summary>
    public string? IntervalNote { get; init; }

    /// <summary>Builds the stored record from a scorer result.</summary>
    public static TargetSetResult From(string name, TargetSetKind kind, string dataFingerprint, VerificationResult r, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new TargetSetResult(name, kind, group, dataFingerprint, r.Pairs, r.GenuinePairs, r.ImpostorPairs,
            r.AccuracyMean, r.AccuracyStd, r.Folds.Select(f => f.TestAccuracy).ToList(), r.Folds.Select(f => f.BestThreshold).ToList(),
            r.TarAtFar, r.Auc, r.Roc);
    }
}

/// <summary>
/// The RFW fairness block: the study's metrics (percent) with counts and identity-bootstrap intervals, and the
/// operating points (per-group FMR and FNMR at one global threshold per FMR target).
/// </summary>
/// <param name="Groups">Accuracy per group in percent, in EthnicGroups.Order, with counts and interval.</param>
/// <param name="Average">Mean of the group accuracies (percent).</param>
/// <param name="Std">Sample std (n-1) of the group accuracies (percent points).</param>
/// <param name="Ser">Skewed error ratio; null when a group has zero error.</param>
/// <param name="OperatingPoints">One per FMR target (protocol.fmrTargets), each with its result or why there is none.</param>
public sealed record RfwFairness(IReadOnlyList<GroupAccuracy> Groups, double Average, double Std, double? Ser, IReadOnlyList<OperatingPoint> OperatingPoints)
{
    /// <summary>The default FMR targets of the operating points: 1e-3 and 1e-4.</summary>
    public static readonly IReadOnlyList<double> DefaultFmrTargets = [1e-3, 1e-4];

    /// <summary>Bootstrap interval of <see cref="Average"/> (null when the bootstrap is off).</summary>
    public BootstrapInterval? AverageInterval { get; init; }

    /// <summary>Bootstrap interval of <see cref="Std"/>.</summary>
    public BootstrapInterval? StdInterval { get; init; }

    /// <summary>Bootstrap interval of <see cref="Ser"/> (bounds null when SER is undefined in a resample).</summary>
    public BootstrapInterval? SerInterval { get; init; }

    /// <summary>Combines the study's summary and the operating points.</summary>
    public static RfwFairness From(FairnessSummary summary, IReadOnlyList<OperatingPoint> operatingPoints)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new RfwFairness(summary.Groups, summary.Average, summary.Std, summary.Ser, operatingPoints);
    }

    /// <summary>
    /// The block from the four RFW groups' scored pairs: accuracy summary in <c>EthnicGroups.Order</c> with genuine and
    /// impostor counts, and one operating point per FMR target (default <see cref="DefaultFmrTargets"/>) over all groups'
    /// impostors pooled. Throws <see cref="ArgumentException"/> unless exactly the four RFW groups are given.
    /// </summary>
    public static RfwFairness Compute(IReadOnlyList<(GroupPairs Pairs, VerificationResult Result)> groups, IReadOnlyList<double>? fmrTargets = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var ordered = groups.OrderBy(g => Records.EthnicGroups.IndexOf(g.Pairs.Group)).ToList();
        if (ordered.Count != 4 || ordered.Select(g => g.Pairs.Group).Where((name, i) => Records.EthnicGroups.Order[i] == name).Count() != 4)
            throw new ArgumentException($"RFW fairness needs exactly the groups {string.Join(", ", Records.EthnicGroups.Order)} (got {string.Join(", ", groups.Select(g => g.Pairs.Group))})");
        var summary = FairnessMetrics.SummariseResults(ordered.Select(g => (g.Pairs.Group, g.Result)));
        var counted = summary with
        {
            Groups = summary.Groups.Select((g, i) => g with { GenuinePairs = ordered[i].Result.GenuinePairs, ImpostorPairs = ordered[i].Result.ImpostorPairs }).ToList(),
        };
        var pairs = ordered.Select(g => g.Pairs).ToList();
        return From(counted, (fmrTargets ?? DefaultFmrTargets).Select(t => FairnessMetrics.OperatingPointAt(pairs, t)).ToList());
    }

    /// <summary>This block with each group's distinct identities (by group name; groups not named keep theirs).</summary>
    public RfwFairness WithIdentities(IReadOnlyDictionary<string, int> identities)
    {
        ArgumentNullException.ThrowIfNull(identities);
        return this with { Groups = Groups.Select(g => identities.TryGetValue(g.Group, out var n) ? g with { Identities = n } : g).ToList() };
    }

    /// <summary>This block with bootstrap intervals; <paramref name="resamples"/> holds the groups in the order of <see cref="Groups"/>.</summary>
    public RfwFairness WithIntervals(FairnessResamples resamples, double confidence)
    {
        ArgumentNullException.ThrowIfNull(resamples);
        if (resamples.Groups.Count != Groups.Count) throw new ArgumentException($"{resamples.Groups.Count} resampled groups for {Groups.Count} groups");
        return this with
        {
            Groups = Groups.Select((g, i) => g with { Interval = BootstrapStatistics.Interval(resamples.Groups[i], confidence) }).ToList(),
            AverageInterval = BootstrapStatistics.Interval(resamples.Average, confidence),
            StdInterval = BootstrapStatistics.Interval(resamples.Std, confidence),
            SerInterval = BootstrapStatistics.Interval(resamples.Ser, confidence),
        };
    }
}

/// <summary>The evaluated model: caller-supplied name and fingerprint (e.g. sha256 of the weights), and where it came from.</summary>
public sealed record EvalModelInfo(string Name, string Fingerprint, string? Source);

/// <summary>Protocol parameters recorded with the numbers.</summary>
/// <param name="Folds">Contiguous folds.</param>
/// <param name="ThresholdStep">Accuracy threshold grid step.</param>
/// <param name="ThresholdCount">Accuracy thresholds.</param>
/// <param name="FarThresholdStep">TAR@FAR threshold grid step.</param>
/// <param name="FarThresholdCount">TAR@FAR thresholds.</param>
/// <param name="FarTargets">FAR targets of TAR@FAR.</param>
/// <param name="FmrTargets">FMR targets of the RFW operating points (schema 1: the single fmrTargetFar).</param>
/// <param name="Distance">How pairs are compared.</param>
public sealed record EvalProtocolInfo(
    int Folds,
    double ThresholdStep,
    int ThresholdCount,
    double FarThresholdStep,
    int FarThresholdCount,
    IReadOnlyList<double> FarTargets,
    IReadOnlyList<double> FmrTargets,
    string Distance)
{
    /// <summary>The distance description every FairKd run uses.</summary>
    public const string SquaredL2OfFlipFusedEmbeddings = "squared L2 of L2-normalised f(x) + f(flip x); same when distance < threshold";

    /// <summary>The identity bootstrap's settings; null when it was off (and in schema-1 files).</summary>
    public BootstrapInfo? Bootstrap { get; init; }

    /// <summary>Parameters of <paramref name="p"/> with the FMR targets (default <see cref="RfwFairness.DefaultFmrTargets"/>) and bootstrap settings.</summary>
    public static EvalProtocolInfo From(VerificationProtocol p, IReadOnlyList<double>? fmrTargets = null, BootstrapOptions? bootstrap = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new EvalProtocolInfo(p.Folds, p.ThresholdStep, p.ThresholdCount, p.FarThresholdStep, p.FarThresholdCount, p.FarTargets,
            fmrTargets ?? RfwFairness.DefaultFmrTargets, SquaredL2OfFlipFusedEmbeddings)
        {
            Bootstrap = bootstrap is null ? null : BootstrapInfo.From(bootstrap),
        };
    }
}

/// <summary>
/// eval.json: everything one `fairkd eval` run measured. <see cref="SchemaVersion"/> is checked on read
/// (<see cref="EvalJson"/>); bump it when a field changes meaning. Schema 2 added counts (identities per set and group),
/// identity-bootstrap intervals, the operating points per FMR target (replacing schema 1's single rfw.fmr) and
/// protocol.bootstrap/fmrTargets; schema-1 files are read and converted (<see cref="EvalJson.Read"/>).
/// </summary>
public sealed record EvalResult
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>Schema version of the file (a schema-1 file read by <see cref="EvalJson.Read"/> keeps 1: its counts and intervals are absent).</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>What the run read (pairs lists, landmark files, packs, image roots, weights or cache, each with SHA-256), what it
    /// counted (images, matched to landmarks, aligned by landmarks, passed through, centre-cropped, rejected by reason; pairs
    /// listed, scored, dropped), FairKd's version and commit, the host, wall time and images/s. Null in files written before it existed.</summary>
    public Records.RunProvenance? Provenance { get; init; }

    /// <summary>The model evaluated.</summary>
    public required EvalModelInfo Model { get; init; }

    /// <summary>How the evaluation images were decoded, aligned and normalised, as the one line every stage records
    /// (<c>PreprocessingRecord.CanonicalLine</c>: template, size, normalisation, channels, unaligned policy, each landmark file
    /// with its SHA-256); for an evaluation from a cache, the cache's record. Null in files written before it existed.</summary>
    public string? Preprocessing { get; init; }

    /// <summary>Protocol parameters.</summary>
    public required EvalProtocolInfo Protocol { get; init; }

    /// <summary>One entry per target set, in evaluation order.</summary>
    public required IReadOnlyList<TargetSetResult> Sets { get; init; }

    /// <summary>RFW fairness, present when all four RFW groups were evaluated.</summary>
    public RfwFairness? Rfw { get; init; }

    /// <summary>How this checkpoint was chosen among a training run's checkpoints (`fairkd eval --run DIR --select RULE`); null when
    /// a weights file was evaluated as given.</summary>
    public EvalSelection? Selection { get; init; }
}

/// <summary>
/// The rule that picked the evaluated checkpoint among a training run's checkpoints. <paramref name="OnTestSet"/> is true when
/// the rule looked at the evaluation sets themselves (the study's rule, best RFW average): the numbers are then optimistic and
/// the report says so.
/// </summary>
/// <param name="Rule"><c>last</c>, <c>best-val</c> or <c>test-rfw-average</c>.</param>
/// <param name="Checkpoint">The checkpoint folder chosen.</param>
/// <param name="Epoch">Its epoch (0-based).</param>
/// <param name="GlobalStep">Its global step.</param>
/// <param name="Candidates">Checkpoints compared.</param>
/// <param name="OnTestSet">Whether the rule used the evaluation (test) sets.</param>
/// <param name="Description">The rule in words.</param>
public sealed record EvalSelection(string Rule, string Checkpoint, int Epoch, long GlobalStep, int Candidates, bool OnTestSet, string Description);
