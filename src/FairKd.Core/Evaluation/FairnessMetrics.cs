namespace FairKd.Core.Evaluation;

/// <summary>Accuracy of one demographic group, in percent (the paper's unit).</summary>
public sealed record GroupAccuracy(string Group, double AccuracyPercent);

/// <summary>
/// The study's RFW fairness numbers. All accuracies in percent.
/// </summary>
/// <param name="Groups">Per-group accuracy in the order given (normally <c>EthnicGroups.Order</c>).</param>
/// <param name="Average">Mean of the group accuracies.</param>
/// <param name="Std">Sample standard deviation (n-1) of the group accuracies.</param>
/// <param name="Ser">Skewed error ratio max(100-acc)/min(100-acc); null when some group has zero error.</param>
public sealed record FairnessSummary(IReadOnlyList<GroupAccuracy> Groups, double Average, double Std, double? Ser);

/// <summary>False match and false non-match rate of one group at the global threshold.</summary>
public sealed record GroupFmr(string Group, double Fmr, double Fnmr, int ImpostorPairs, int GenuinePairs);

/// <summary>
/// Per-group error rates at one global threshold: the threshold whose FAR over all groups' impostor pairs pooled is the
/// target (insightface grid 0.001 + slinear interpolation, see <see cref="TarAtFarCalculator.InterpolateSlinear"/>).
/// </summary>
/// <param name="TargetFar">The pooled FAR target (default 1e-3).</param>
/// <param name="Threshold">The global distance threshold ("same" when distance &lt; threshold).</param>
/// <param name="PooledFar">FAR of all impostor pairs pooled at <paramref name="Threshold"/>.</param>
/// <param name="Groups">FMR/FNMR per group.</param>
/// <param name="MaxMinFmrRatio">max FMR / min FMR; null when the smallest FMR is 0 (ratio undefined).</param>
public sealed record GlobalThresholdFmr(double TargetFar, double Threshold, double PooledFar, IReadOnlyList<GroupFmr> Groups, double? MaxMinFmrRatio);

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
    /// FMR and FNMR of every group at the threshold giving <paramref name="targetFar"/> over the pooled impostor pairs.
    /// Returns null when the pooled impostors are too few for the target (fewer than ceil(1/target)) or never reach it
    /// on the grid, or when a group has no impostor or no genuine pairs.
    /// </summary>
    public static GlobalThresholdFmr? FmrAtGlobalThreshold(IReadOnlyList<GroupPairs> groups, double targetFar = 1e-3, VerificationProtocol? protocol = null)
    {
        protocol ??= VerificationProtocol.Default;
        if (!(targetFar > 0 && targetFar < 1)) throw new ArgumentException($"FAR target {targetFar} is not in (0, 1)");
        var pooled = new List<double>();
        foreach (var g in groups)
        {
            if (g.Distances.Length != g.IsSame.Length) throw new ArgumentException($"group {g.Group}: distances and flags differ in length");
            for (var k = 0; k < g.Distances.Length; k++)
                if (!g.IsSame[k]) pooled.Add(g.Distances[k]);
            if (g.IsSame.All(s => s) || g.IsSame.All(s => !s)) return null;
        }

        if (pooled.Count < Math.Ceiling(1 / targetFar - 1e-9)) return null;
        var grid = new double[protocol.FarThresholdCount];
        var far = new double[grid.Length];
        var accepted = new int[grid.Length + 1];
        foreach (var d in pooled)
            if (!double.IsNaN(d)) accepted[FoldCounts.FirstAccepting(d, grid.Length, protocol.FarThresholdStep)]++;
        var cum = 0;
        for (var i = 0; i < grid.Length; i++)
        {
            grid[i] = FoldCounts.GridValue(i, protocol.FarThresholdStep);
            cum += accepted[i];
            far[i] = (double)cum / pooled.Count;
        }

        if (far[^1] < targetFar) return null;
        var threshold = TarAtFarCalculator.InterpolateSlinear(far, grid, targetFar);
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

            return new GroupFmr(g.Group, (double)fm / imp, (double)fnm / gen, imp, gen);
        }).ToList();
        var minFmr = rates.Min(r => r.Fmr);
        double? ratio = minFmr > 0 ? rates.Max(r => r.Fmr) / minFmr : null;
        return new GlobalThresholdFmr(targetFar, threshold, pooledFar, rates, ratio);
    }
}
