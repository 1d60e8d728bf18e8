namespace FairKd.Core.Evaluation;

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

    /// <summary>Builds the stored record from a scorer result.</summary>
    public static TargetSetResult From(string name, TargetSetKind kind, string dataFingerprint, VerificationResult r, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new TargetSetResult(name, kind, group, dataFingerprint, r.Pairs, r.GenuinePairs, r.ImpostorPairs,
            r.AccuracyMean, r.AccuracyStd, r.Folds.Select(f => f.TestAccuracy).ToList(), r.Folds.Select(f => f.BestThreshold).ToList(),
            r.TarAtFar, r.Auc, r.Roc);
    }
}

/// <summary>The RFW fairness block: the study's metrics (percent) and per-group FMR at one global threshold.</summary>
/// <param name="Groups">Accuracy per group in percent, in EthnicGroups.Order.</param>
/// <param name="Average">Mean of the group accuracies (percent).</param>
/// <param name="Std">Sample std (n-1) of the group accuracies (percent points).</param>
/// <param name="Ser">Skewed error ratio; null when a group has zero error.</param>
/// <param name="Fmr">FMR per group at the pooled-FAR threshold; null when the pairs do not allow it.</param>
public sealed record RfwFairness(IReadOnlyList<GroupAccuracy> Groups, double Average, double Std, double? Ser, GlobalThresholdFmr? Fmr)
{
    /// <summary>Combines the study's summary and the FMR block.</summary>
    public static RfwFairness From(FairnessSummary summary, GlobalThresholdFmr? fmr)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new RfwFairness(summary.Groups, summary.Average, summary.Std, summary.Ser, fmr);
    }

    /// <summary>
    /// The block from the four RFW groups' scored pairs: accuracy summary in <c>EthnicGroups.Order</c> and FMR per group at
    /// the threshold giving <paramref name="fmrTargetFar"/> over all groups' impostors pooled. Throws
    /// <see cref="ArgumentException"/> unless exactly the four RFW groups are given.
    /// </summary>
    public static RfwFairness Compute(IReadOnlyList<(GroupPairs Pairs, VerificationResult Result)> groups, double fmrTargetFar = 1e-3, VerificationProtocol? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var ordered = groups.OrderBy(g => Records.EthnicGroups.IndexOf(g.Pairs.Group)).ToList();
        if (ordered.Count != 4 || ordered.Select(g => g.Pairs.Group).Where((name, i) => Records.EthnicGroups.Order[i] == name).Count() != 4)
            throw new ArgumentException($"RFW fairness needs exactly the groups {string.Join(", ", Records.EthnicGroups.Order)} (got {string.Join(", ", groups.Select(g => g.Pairs.Group))})");
        var summary = FairnessMetrics.SummariseResults(ordered.Select(g => (g.Pairs.Group, g.Result)));
        return From(summary, FairnessMetrics.FmrAtGlobalThreshold(ordered.Select(g => g.Pairs).ToList(), fmrTargetFar, protocol));
    }
}

/// <summary>The evaluated model: caller-supplied name and fingerprint (e.g. sha256 of the weights), and where it came from.</summary>
public sealed record EvalModelInfo(string Name, string Fingerprint, string? Source);

/// <summary>Protocol parameters recorded with the numbers.</summary>
public sealed record EvalProtocolInfo(
    int Folds,
    double ThresholdStep,
    int ThresholdCount,
    double FarThresholdStep,
    int FarThresholdCount,
    IReadOnlyList<double> FarTargets,
    double FmrTargetFar,
    string Distance)
{
    /// <summary>The distance description every FairKd run uses.</summary>
    public const string SquaredL2OfFlipFusedEmbeddings = "squared L2 of L2-normalised f(x) + f(flip x); same when distance < threshold";

    /// <summary>Parameters of <paramref name="p"/> (default FMR target 1e-3).</summary>
    public static EvalProtocolInfo From(VerificationProtocol p, double fmrTargetFar = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new EvalProtocolInfo(p.Folds, p.ThresholdStep, p.ThresholdCount, p.FarThresholdStep, p.FarThresholdCount, p.FarTargets,
            fmrTargetFar, SquaredL2OfFlipFusedEmbeddings);
    }
}

/// <summary>
/// eval.json: everything one `fairkd eval` run measured. <see cref="SchemaVersion"/> is checked on read
/// (<see cref="EvalJson"/>); bump it when a field changes meaning.
/// </summary>
public sealed record EvalResult
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Schema version of the file.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The model evaluated.</summary>
    public required EvalModelInfo Model { get; init; }

    /// <summary>Protocol parameters.</summary>
    public required EvalProtocolInfo Protocol { get; init; }

    /// <summary>One entry per target set, in evaluation order.</summary>
    public required IReadOnlyList<TargetSetResult> Sets { get; init; }

    /// <summary>RFW fairness, present when all four RFW groups were evaluated.</summary>
    public RfwFairness? Rfw { get; init; }
}
