namespace FairKd.Core.Eval;

/// <summary>
/// A bootstrap percentile interval. <paramref name="Lower"/> and <paramref name="Upper"/> are null when the statistic
/// is undefined in some resample (<paramref name="UndefinedResamples"/> &gt; 0, e.g. SER with a group without errors):
/// an interval over the remaining resamples would be biased, so none is given.
/// </summary>
/// <param name="Lower">Lower bound (the (1 - confidence) / 2 quantile of the resampled statistic).</param>
/// <param name="Upper">Upper bound (the (1 + confidence) / 2 quantile).</param>
/// <param name="UndefinedResamples">Resamples in which the statistic was undefined.</param>
public sealed record BootstrapInterval(double? Lower, double? Upper, int UndefinedResamples)
{
    /// <summary>True when the interval exists and lies entirely above or entirely below zero (for differences).</summary>
    public bool ExcludesZero => Lower is { } lo && Upper is { } hi && (lo > 0 || hi < 0);
}

/// <summary>The study's RFW statistics over resamples, one value per resample (NaN where undefined).</summary>
/// <param name="Groups">Accuracy (percent) per group, in the order given.</param>
/// <param name="Average">Mean of the group accuracies (percent).</param>
/// <param name="Std">Sample standard deviation (n-1) of the group accuracies.</param>
/// <param name="Ser">Skewed error ratio (NaN where a group has no errors).</param>
public sealed record FairnessResamples(IReadOnlyList<double[]> Groups, double[] Average, double[] Std, double[] Ser);

/// <summary>Percentile intervals and the study's statistics over bootstrap resamples.</summary>
public static class BootstrapStatistics
{
    /// <summary>
    /// numpy's default quantile (method 'linear', Hyndman-Fan type 7) of ascending <paramref name="sorted"/>, computed as
    /// numpy 1.22+ does (virtual index n q + (1 - q) - 1, then a + (b - a) t, or b - (b - a)(1 - t) when t &gt;= 0.5), so
    /// the golden reference agrees to the last bit.
    /// </summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.Length == 0) throw new ArgumentException("no values");
        if (!(q >= 0 && q <= 1)) throw new ArgumentException($"quantile {q} is not in [0, 1]");
        var n = sorted.Length;
        var virtualIndex = (n * q) + (1 + (q * (1 - 1 - 1))) - 1;
        var previous = Math.Floor(virtualIndex);
        var t = virtualIndex - previous;
        var lo = (int)Math.Clamp(previous, 0, n - 1);
        var hi = (int)Math.Clamp(previous + 1, 0, n - 1);
        double a = sorted[lo], b = sorted[hi];
        var diff = b - a;
        return t >= 0.5 ? b - (diff * (1 - t)) : a + (diff * t);
    }

    /// <summary>The percentile interval of <paramref name="values"/> (one per resample, NaN = undefined) at <paramref name="confidence"/>.</summary>
    public static BootstrapInterval Interval(IReadOnlyList<double> values, double confidence)
    {
        ArgumentNullException.ThrowIfNull(values);
        var undefined = values.Count(double.IsNaN);
        if (undefined > 0 || values.Count == 0) return new BootstrapInterval(null, null, undefined);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return new BootstrapInterval(Quantile(sorted, (1 - confidence) / 2), Quantile(sorted, (1 + confidence) / 2), 0);
    }

    /// <summary>Average, STD and SER of every resample from the groups' resampled accuracies (fractions; NaN = undefined).</summary>
    public static FairnessResamples Fairness(IReadOnlyList<double[]> groupAccuracies)
    {
        ArgumentNullException.ThrowIfNull(groupAccuracies);
        if (groupAccuracies.Count < 2) throw new ArgumentException("fairness needs at least two groups");
        var n = groupAccuracies[0].Length;
        if (groupAccuracies.Any(g => g.Length != n)) throw new ArgumentException("groups have different numbers of resamples");
        var percent = groupAccuracies.Select(g => g.Select(a => a * 100).ToArray()).ToList();
        double[] average = new double[n], std = new double[n], ser = new double[n];
        for (var b = 0; b < n; b++)
        {
            if (percent.Any(g => double.IsNaN(g[b])))
            {
                average[b] = std[b] = ser[b] = double.NaN;
                continue;
            }

            var s = FairnessMetrics.Summarise(percent.Select((g, i) => new GroupAccuracy(i.ToString(System.Globalization.CultureInfo.InvariantCulture), g[b])).ToList());
            average[b] = s.Average;
            std[b] = s.Std;
            ser[b] = s.Ser ?? double.NaN;
        }

        return new FairnessResamples(percent, average, std, ser);
    }

    /// <summary>Element-wise <paramref name="a"/> - <paramref name="b"/> (NaN where either is undefined).</summary>
    public static double[] Difference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} and {b.Count} resamples");
        return a.Select((x, i) => x - b[i]).ToArray();
    }
}
