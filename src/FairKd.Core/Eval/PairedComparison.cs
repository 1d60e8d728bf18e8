using System.Globalization;

namespace FairKd.Core.Eval;

/// <summary>
/// One statistic of a paired comparison of runs A and B scored on the same pairs: both values, A - B, and the
/// identity-bootstrap interval of A - B (both runs resampled with the same identities).
/// </summary>
/// <param name="Metric">The statistic: a set's accuracy (the set name, e.g. RFW-African, lfw) or RFW Average, STD, SER.</param>
/// <param name="A">Run A's value (accuracy and Average in percent, STD in points, SER a ratio); null when not comparable.</param>
/// <param name="B">Run B's value.</param>
/// <param name="Difference">A - B.</param>
/// <param name="Interval">Percentile interval of A - B; null without the bootstrap or when not comparable.</param>
/// <param name="GenuinePairs">Genuine pairs behind the statistic (summed over groups for Average, STD, SER).</param>
/// <param name="ImpostorPairs">Impostor pairs behind it.</param>
/// <param name="Identities">Distinct identities behind it (summed over groups).</param>
/// <param name="NullReason">Why the statistic was not compared (or has no interval), else null.</param>
public sealed record ComparisonRow(string Metric, double? A, double? B, double? Difference, BootstrapInterval? Interval,
    int GenuinePairs, int ImpostorPairs, int Identities, string? NullReason);

/// <summary>
/// The paired comparison of two runs from their scores.csv: for every set both scored on exactly the same pairs
/// (same pair ids, labels, folds and identities), the accuracy difference with its interval from one identity
/// bootstrap that resamples both runs with the same draws (<see cref="IdentityBootstrap.Accuracies"/> with both models);
/// with the four RFW groups, also the differences of Average, STD and SER (resample b of each group, both runs).
/// </summary>
public static class PairedComparison
{
    /// <summary>Compares run <paramref name="a"/> with run <paramref name="b"/> (differences are A - B), in A's set order.</summary>
    public static IReadOnlyList<ComparisonRow> Compare(IReadOnlyList<ScoredPair> a, IReadOnlyList<ScoredPair> b, BootstrapOptions options, VerificationProtocol? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(options);
        protocol ??= VerificationProtocol.Default;
        var setsB = b.GroupBy(p => p.Set, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var rows = new List<ComparisonRow>();
        var groups = new List<(string Group, ComparisonRow Row, double[]? A, double[]? B, double AccA, double AccB)>();
        foreach (var set in a.GroupBy(p => p.Set, StringComparer.Ordinal))
        {
            var pa = set.ToList();
            if (!setsB.TryGetValue(set.Key, out var pb)) continue;
            var genuine = pa.Count(p => p.Same);
            var mismatch = Mismatch(pa, pb);
            var pairs = mismatch is null ? BootstrapPairs.From(set.Key, pa, protocol.Folds) : null;
            if (pairs is null)
            {
                rows.Add(new ComparisonRow(set.Key, null, null, null, null, genuine, pa.Count - genuine, 0, mismatch ?? EvalEvidence.NoIdentities));
                continue;
            }

            double[] da = pa.Select(p => p.Distance).ToArray(), db = pb.Select(p => p.Distance).ToArray();
            var ones = Enumerable.Repeat(1L, pairs.Count).ToArray();
            var accA = IdentityBootstrap.WeightedAccuracy(pairs, da, ones, protocol);
            var accB = IdentityBootstrap.WeightedAccuracy(pairs, db, ones, protocol);
            double[]? ra = null, rb = null;
            BootstrapInterval? interval = null;
            if (options.Enabled)
            {
                var r = IdentityBootstrap.Accuracies(pairs, [da, db], options, protocol);
                (ra, rb) = (r[0], r[1]);
                interval = BootstrapStatistics.Interval(BootstrapStatistics.Difference(ra, rb).Select(d => d * 100).ToArray(), options.Confidence);
            }

            var row = new ComparisonRow(set.Key, accA * 100, accB * 100, (accA - accB) * 100, interval, genuine, pa.Count - genuine,
                pairs.IdentityNames.Count, options.Enabled ? null : EvalEvidence.BootstrapOff);
            rows.Add(row);
            if (pa[0].Group is { } group) groups.Add((group, row, ra, rb, accA, accB));
        }

        var ordered = Records.EthnicGroups.Order.Select(g => groups.FirstOrDefault(x => x.Group == g)).ToList();
        if (ordered.All(g => g.Row is not null)) rows.AddRange(Fairness(ordered, options));
        return rows;
    }

    private static IEnumerable<ComparisonRow> Fairness(List<(string Group, ComparisonRow Row, double[]? A, double[]? B, double AccA, double AccB)> groups, BootstrapOptions options)
    {
        static FairnessSummary Observed(IEnumerable<double> acc) =>
            FairnessMetrics.Summarise(acc.Select((x, i) => new GroupAccuracy(Records.EthnicGroups.Order[i], x * 100)).ToList());
        var sa = Observed(groups.Select(g => g.AccA));
        var sb = Observed(groups.Select(g => g.AccB));
        FairnessResamples? ra = null, rb = null;
        if (options.Enabled)
        {
            ra = BootstrapStatistics.Fairness(groups.Select(g => g.A!).ToList());
            rb = BootstrapStatistics.Fairness(groups.Select(g => g.B!).ToList());
        }

        int gen = groups.Sum(g => g.Row.GenuinePairs), imp = groups.Sum(g => g.Row.ImpostorPairs), ids = groups.Sum(g => g.Row.Identities);
        ComparisonRow Row(string metric, double? va, double? vb, double[]? da, double[]? db)
        {
            var interval = da is null || db is null ? null : BootstrapStatistics.Interval(BootstrapStatistics.Difference(da, db), options.Confidence);
            var reason = !options.Enabled ? EvalEvidence.BootstrapOff
                : interval is { UndefinedResamples: > 0 } u ? string.Create(CultureInfo.InvariantCulture, $"{metric} undefined in {u.UndefinedResamples} of {options.Resamples} resamples (a group without errors)")
                : null;
            if (va is null || vb is null) reason = $"{metric} undefined (a group without errors)";
            return new ComparisonRow(metric, va, vb, va - vb, va is null || vb is null ? null : interval, gen, imp, ids, reason);
        }

        yield return Row("RFW Average", sa.Average, sb.Average, ra?.Average, rb?.Average);
        yield return Row("RFW STD", sa.Std, sb.Std, ra?.Std, rb?.Std);
        yield return Row("RFW SER", sa.Ser, sb.Ser, ra?.Ser, rb?.Ser);
    }

    /// <summary>Why the two lists are not the same pairs, or null when they are.</summary>
    private static string? Mismatch(List<ScoredPair> a, List<ScoredPair> b)
    {
        if (a.Count != b.Count) return string.Create(CultureInfo.InvariantCulture, $"the runs scored different pairs ({a.Count} and {b.Count}: dropped pairs differ)");
        for (var k = 0; k < a.Count; k++)
        {
            var (x, y) = (a[k], b[k]);
            if (x.PairId != y.PairId || x.Same != y.Same || x.Fold != y.Fold || x.Group != y.Group || x.IdentityA != y.IdentityA || x.IdentityB != y.IdentityB)
                return string.Create(CultureInfo.InvariantCulture, $"the runs scored different pairs (first difference at pair_id {x.PairId})");
        }

        return null;
    }
}
