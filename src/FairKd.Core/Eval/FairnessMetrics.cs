namespace FairKd.Core.Eval;

/// <summary>Accuracy of one demographic group, in percent (the paper's unit).</summary>
/// <param name="Group">The group.</param>
/// <param name="AccuracyPercent">Protocol accuracy in percent.</param>
public sealed record GroupAccuracy(string Group, double AccuracyPercent)
{
    /// <summary>Genuine pairs scored (null in schema-1 files).</summary>
    public int? GenuinePairs { get; init; }

    /// <summary>Impostor pairs scored (null in schema-1 files).</summary>
    public int? ImpostorPairs { get; init; }

    /// <summary>Distinct identities in the scored pairs (null in schema-1 files).</summary>
    public int? Identities { get; init; }

    /// <summary>Identity-bootstrap percentile interval of <see cref="AccuracyPercent"/> (null when the bootstrap is off).</summary>
    public BootstrapInterval? Interval { get; init; }
}

/// <summary>
/// The study's RFW fairness numbers. All accuracies in percent.
/// </summary>
/// <param name="Groups">Per-group accuracy in the order given (normally <c>EthnicGroups.Order</c>).</param>
/// <param name="Average">Mean of the group accuracies.</param>
/// <param name="Std">Sample standard deviation (n-1) of the group accuracies.</param>
/// <param name="Ser">Skewed error ratio max(100-acc)/min(100-acc); null when some group has zero error.</param>
public sealed record FairnessSummary(IReadOnlyList<GroupAccuracy> Groups, double Average, double Std, double? Ser);

/// <summary>False match and false non-match rate of one group at the global threshold.</summary>
/// <param name="Group">The group.</param>
/// <param name="Fmr">False matches / impostor pairs.</param>
/// <param name="Fnmr">False non-matches / genuine pairs.</param>
/// <param name="ImpostorPairs">The group's impostor pairs.</param>
/// <param name="GenuinePairs">The group's genuine pairs.</param>
public sealed record GroupFmr(string Group, double Fmr, double Fnmr, int ImpostorPairs, int GenuinePairs)
{
    /// <summary>Impostor pairs accepted at the threshold (null in schema-1 files).</summary>
    public int? FalseMatches { get; init; }

    /// <summary>Genuine pairs rejected at the threshold (null in schema-1 files).</summary>
    public int? FalseNonMatches { get; init; }
}

/// <summary>
/// Per-group error rates at one global threshold set on all groups' impostor pairs pooled (NIST FRVT Part 8 style):
/// with N pooled impostor distances in ascending order d(0) &lt;= d(1) &lt;= ... and k = floor(target x N), the
/// threshold is d(k), so that at most k impostor pairs (exactly k without ties) have distance &lt; threshold and the
/// pooled FMR never exceeds the target. Also the ratios of the group rates max / min and max / geometric mean (null
/// when a group's rate is 0, which makes them undefined). (Schema-1 files set the threshold on the TAR@FAR grid of
/// 0.001 with interpolation instead, which could exceed the target by a pair.)
/// </summary>
/// <param name="TargetFar">The pooled FAR (FMR) target.</param>
/// <param name="Threshold">The global distance threshold ("same" when distance &lt; threshold).</param>
/// <param name="PooledFar">FAR of all impostor pairs pooled at <paramref name="Threshold"/>.</param>
/// <param name="Groups">FMR/FNMR per group.</param>
/// <param name="MaxMinFmrRatio">max FMR / min FMR; null when the smallest FMR is 0 (ratio undefined).</param>
public sealed record GlobalThresholdFmr(double TargetFar, double Threshold, double PooledFar, IReadOnlyList<GroupFmr> Groups, double? MaxMinFmrRatio)
{
    /// <summary>max FMR / geometric mean of the FMRs; null when a group's FMR is 0 (and in schema-1 files).</summary>
    public double? MaxGeoMeanFmrRatio { get; init; }

    /// <summary>max FNMR / min FNMR; null when a group's FNMR is 0 (and in schema-1 files).</summary>
    public double? MaxMinFnmrRatio { get; init; }

    /// <summary>max FNMR / geometric mean of the FNMRs; null when a group's FNMR is 0 (and in schema-1 files).</summary>
    public double? MaxGeoMeanFnmrRatio { get; init; }
}

/// <summary>
/// One operating point of the fairness block: the global threshold at <paramref name="TargetFmr"/>, or why the data
/// cannot support it.
/// </summary>
/// <param name="TargetFmr">The pooled FMR target (e.g. 1e-3).</param>
/// <param name="ImpostorPairs">All groups' impostor pairs pooled: the sample the threshold is set on.</param>
/// <param name="Result">The threshold and the group rates; null when <paramref name="NullReason"/> is set.</param>
/// <param name="NullReason">Why there is no result (e.g. "needs ≥ 10000 impostor pairs (has 1200)"), else null.</param>
public sealed record OperatingPoint(double TargetFmr, int ImpostorPairs, GlobalThresholdFmr? Result, string? NullReason);

/// <summary>One group's pair distances and flags, for <see cref="FairnessMetrics.FmrAtGlobalThreshold"/>.</summary>
public sealed record GroupPairs(string Group, double[] Distances, bool[] IsSame);

/// <summary>Fairness metrics of the study (Average, STD, SER) plus per-group FMR at a global threshold.</summary>
public static class FairnessMetrics
{
    /// <summary>Average, sample STD (n-1) and SER of the given group accuracies (percent). Needs at least two groups.</summary>
    public static FairnessSummary Summarise(IReadOnlyList<GroupAccuracy> groups)
    {
        if (groups.Count < 2) throw new ArgumentException("fairness needs at least two groups");
        var acc = groups.Select(g => g.AccuracyPercent).ToArray();
        foreach (var a in acc)
            if (!(a >= 0 && a <= 100)) throw new ArgumentException($"accuracy {a} is not a percentage");
        var mean = acc.Average();
        var std = Math.Sqrt(acc.Sum(a => (a - mean) * (a - mean)) / (acc.Length - 1));
        var maxError = acc.Max(a => 100 - a);
        var minError = acc.Min(a => 100 - a);
        double? ser = minError > 0 ? maxError / minError : null;
        return new FairnessSummary(groups, mean, std, ser);
    }

    /// <summary>Summary from per-group verification results (accuracy fraction x 100).</summary>
    public static FairnessSummary SummariseResults(IEnumerable<(string Group, VerificationResult Result)> groups)
        => Summarise(groups.Select(g => new GroupAccuracy(g.Group, g.Result.AccuracyMean * 100)).ToList());

    /// <summary>
    /// FMR and FNMR of every group at the threshold giving <paramref name="targetFar"/> over the pooled impostor pairs
    /// (<see cref="OperatingPointAt"/>); null when the data cannot support the target.
    /// </summary>
    public static GlobalThresholdFmr? FmrAtGlobalThreshold(IReadOnlyList<GroupPairs> groups, double targetFar = 1e-3)
        => OperatingPointAt(groups, targetFar).Result;

    /// <summary>
    /// The operating point at <paramref name="targetFmr"/>: FMR and FNMR of every group at the one threshold set on all
    /// groups' impostor pairs pooled (see <see cref="GlobalThresholdFmr"/>). No result, with the reason, when the pooled
    /// impostors are fewer than ceil(1/target) (then even one false match exceeds the target: "needs ≥ N impostor
    /// pairs (has M)") or when a group has no impostor or no genuine pairs.
    /// </summary>
    public static OperatingPoint OperatingPointAt(IReadOnlyList<GroupPairs> groups, double targetFmr)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(targetFmr > 0 && targetFmr < 1)) throw new ArgumentException($"FMR target {targetFmr} is not in (0, 1)");
        var pooled = new List<double>();
        string? reason = null;
        foreach (var g in groups)
        {
            if (g.Distances.Length != g.IsSame.Length) throw new ArgumentException($"group {g.Group}: distances and flags differ in length");
            for (var k = 0; k < g.Distances.Length; k++)
                if (!g.IsSame[k]) pooled.Add(double.IsNaN(g.Distances[k]) ? throw new ArgumentException($"group {g.Group}: a distance is NaN") : g.Distances[k]);
            if (g.IsSame.All(s => s)) reason ??= $"group {g.Group} has no impostor pairs";
            else if (g.IsSame.All(s => !s)) reason ??= $"group {g.Group} has no genuine pairs";
        }

        var needed = (int)Math.Ceiling(1 / targetFmr - 1e-9);
        if (reason is null && pooled.Count < needed)
            reason = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"needs ≥ {needed} impostor pairs (has {pooled.Count})");
        if (reason is not null) return new OperatingPoint(targetFmr, pooled.Count, null, reason);
        pooled.Sort();
        var allowed = (int)Math.Floor((targetFmr * pooled.Count) + 1e-9); // >= 1 since pooled.Count >= ceil(1/target)
        return new OperatingPoint(targetFmr, pooled.Count, RatesAt(groups, targetFmr, pooled[allowed], pooled), null);
    }

    /// <summary>max / min and max / geometric mean of <paramref name="rates"/>; both null when a rate is 0.</summary>
    public static (double? MaxMin, double? MaxGeoMean) Ratios(IReadOnlyList<double> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        if (rates.Count == 0 || rates.Min() <= 0) return (null, null);
        var max = rates.Max();
        return (max / rates.Min(), max / Math.Exp(rates.Average(Math.Log)));
    }

    private static GlobalThresholdFmr RatesAt(IReadOnlyList<GroupPairs> groups, double targetFar, double threshold, List<double> pooled)
    {
        var pooledFar = (double)pooled.Count(d => d < threshold) / pooled.Count;
        var rates = groups.Select(g =>
        {
            int imp = 0, gen = 0, fm = 0, fnm = 0;
            for (var k = 0; k < g.Distances.Length; k++)
            {
                var accept = g.Distances[k] < threshold;
                if (g.IsSame[k]) { gen++; fnm += accept ? 0 : 1; }
                else { imp++; fm += accept ? 1 : 0; }
            }

            return new GroupFmr(g.Group, (double)fm / imp, (double)fnm / gen, imp, gen) { FalseMatches = fm, FalseNonMatches = fnm };
        }).ToList();
        var (fmrMaxMin, fmrMaxGeo) = Ratios(rates.Select(r => r.Fmr).ToList());
        var (fnmrMaxMin, fnmrMaxGeo) = Ratios(rates.Select(r => r.Fnmr).ToList());
        return new GlobalThresholdFmr(targetFar, threshold, pooledFar, rates, fmrMaxMin)
        {
            MaxGeoMeanFmrRatio = fmrMaxGeo,
            MaxMinFnmrRatio = fnmrMaxMin,
            MaxGeoMeanFnmrRatio = fnmrMaxGeo,
        };
    }
}
