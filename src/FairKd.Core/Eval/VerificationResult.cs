namespace FairKd.Core.Eval;

/// <summary>One fold of the 10-fold protocol: the threshold chosen on the other 9 folds and the accuracy on this one.</summary>
/// <param name="Fold">Fold index (0-based, contiguous order).</param>
/// <param name="Start">First pair index of the held-out fold.</param>
/// <param name="Count">Pairs in the held-out fold.</param>
/// <param name="BestThreshold">Threshold with the highest training accuracy (first on ties, as numpy argmax).</param>
/// <param name="TrainAccuracy">Accuracy (fraction) of <paramref name="BestThreshold"/> on the 9 training folds.</param>
/// <param name="TestAccuracy">Accuracy (fraction) of <paramref name="BestThreshold"/> on the held-out fold.</param>
public sealed record FoldResult(int Fold, int Start, int Count, double BestThreshold, double TrainAccuracy, double TestAccuracy);

/// <summary>
/// TAR at a target FAR (insightface calculate_val). <paramref name="Tar"/> is null when the pairs do not allow it;
/// <paramref name="NullReason"/> then says why.
/// </summary>
/// <param name="TargetFar">The FAR target (e.g. 1e-3).</param>
/// <param name="Tar">Mean over folds of the held-out true accept rate (fraction).</param>
/// <param name="TarStd">Population standard deviation (ddof 0) of the fold TARs.</param>
/// <param name="Far">Mean over folds of the held-out false accept rate achieved at the interpolated thresholds.</param>
/// <param name="Thresholds">The interpolated threshold of every fold.</param>
/// <param name="NullReason">Why <paramref name="Tar"/> is null, else null.</param>
public sealed record TarAtFar(double TargetFar, double? Tar, double? TarStd, double? Far, IReadOnlyList<double>? Thresholds, string? NullReason);

/// <summary>One vertex of a ROC curve over all pairs: false accept rate and true accept rate (fractions).</summary>
public sealed record RocPoint(double Far, double Tar);

/// <summary>Everything the verification protocol reports for one set of pairs.</summary>
/// <param name="Pairs">Number of pairs scored.</param>
/// <param name="GenuinePairs">Pairs flagged same.</param>
/// <param name="ImpostorPairs">Pairs flagged different.</param>
/// <param name="AccuracyMean">Mean held-out accuracy over folds (fraction, as insightface prints it before x100).</param>
/// <param name="AccuracyStd">Population standard deviation (numpy std, ddof 0) of the fold accuracies.</param>
/// <param name="Folds">Per-fold thresholds and accuracies.</param>
/// <param name="TarAtFar">One entry per protocol FAR target, in the protocol's order.</param>
/// <param name="Auc">ROC AUC over all pairs (score = -distance, ties count half); null without both classes.</param>
/// <param name="Roc">Compact ROC curve (at most the protocol's RocPoints points, FAR ascending).</param>
public sealed record VerificationResult(
    int Pairs,
    int GenuinePairs,
    int ImpostorPairs,
    double AccuracyMean,
    double AccuracyStd,
    IReadOnlyList<FoldResult> Folds,
    IReadOnlyList<TarAtFar> TarAtFar,
    double? Auc,
    IReadOnlyList<RocPoint> Roc);
