namespace FairKd.Core.Eval;

/// <summary>
/// TAR at a target FAR, as insightface calculate_val (arcface_torch eval/verification.py):
/// per fold, the false accept rate of the 9 training folds is computed on the grid i * 0.001 (i &lt; 4000, "accept" when
/// distance &lt; threshold); when its maximum reaches the target, the threshold is interpolated at the target with
/// scipy interp1d(far_train, thresholds, kind='slinear'), else it is 0.0; TAR and FAR are then measured on the held-out
/// fold at that threshold; TAR is the fold mean (std with ddof 0).
/// <para>
/// Interpolation semantics (<see cref="InterpolateSlinear"/>): far_train is non-decreasing with many repeated values.
/// scipy &lt; 1.10 (what published numbers were produced with; newer scipy refuses duplicate x) builds a degree-1 B-spline
/// with knots [x0, x0, x1, ..., x_{m-1}, x_{m-1}]. Evaluating it at q takes j = the last index in [0, m-2] with
/// x_j &lt;= q and returns the linear interpolation between (x_j, y_j) and (x_{j+1}, y_{j+1}); when x_j == x_{j+1}
/// (only possible when q equals the last far value) de Boor's recursion yields 0. So the threshold lies between the
/// last grid threshold whose training FAR is &lt;= target and the next one.
/// </para>
/// Null rules (beyond insightface, which would divide by zero or report a meaningless value): a target f is reported only
/// when every training split has at least ceil(1/f) impostor pairs and at least one genuine pair, and every held-out fold
/// has at least one genuine and one impostor pair.
/// </summary>
public static class TarAtFarCalculator
{
    /// <summary>One <see cref="TarAtFar"/> per target in <paramref name="protocol"/>.FarTargets.</summary>
    public static IReadOnlyList<TarAtFar> Compute(ReadOnlySpan<double> distances, ReadOnlySpan<bool> issame, (int Start, int Count)[] folds, VerificationProtocol protocol)
    {
        var counts = FoldCounts.Build(distances, issame, folds, protocol.FarThresholdCount, protocol.FarThresholdStep);
        var totalGenuine = counts.Genuine.Sum();
        var results = new List<TarAtFar>(protocol.FarTargets.Count);
        var farTrain = new double[protocol.FarThresholdCount];
        var grid = new double[protocol.FarThresholdCount];
        for (var i = 0; i < grid.Length; i++) grid[i] = FoldCounts.GridValue(i, protocol.FarThresholdStep);

        foreach (var target in protocol.FarTargets)
        {
            var reason = NullReason(counts, totalGenuine, target);
            if (reason is not null)
            {
                results.Add(new TarAtFar(target, null, null, null, null, reason));
                continue;
            }

            var tars = new double[folds.Length];
            var fars = new double[folds.Length];
            var thresholds = new double[folds.Length];
            for (var f = 0; f < folds.Length; f++)
            {
                var trainImpostors = counts.TotalImpostors - counts.Impostors[f];
                for (var i = 0; i < farTrain.Length; i++)
                    farTrain[i] = (double)(counts.TotalImpostorAccepted(i) - counts.ImpostorAccepted(f, i)) / trainImpostors;
                var threshold = farTrain[^1] >= target ? InterpolateSlinear(farTrain, grid, target) : 0.0;
                int ta = 0, fa = 0;
                for (var k = folds[f].Start; k < folds[f].Start + folds[f].Count; k++)
                {
                    if (!(distances[k] < threshold)) continue;
                    if (issame[k]) ta++;
                    else fa++;
                }

                thresholds[f] = threshold;
                tars[f] = (double)ta / counts.Genuine[f];
                fars[f] = (double)fa / counts.Impostors[f];
            }

            var (tar, tarStd) = VerificationScorer.MeanStd(tars);
            var (far, _) = VerificationScorer.MeanStd(fars);
            results.Add(new TarAtFar(target, tar, tarStd, far, thresholds, null));
        }

        return results;
    }

    /// <summary>
    /// scipy (&lt; 1.10) interp1d(x, y, kind='slinear')(q) for non-decreasing <paramref name="x"/> with x[0] &lt;= q &lt;= x[^1]
    /// (see the class remarks for the duplicate-x semantics).
    /// </summary>
    public static double InterpolateSlinear(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double q)
    {
        var m = x.Length;
        if (m < 2 || y.Length != m) throw new ArgumentException("need at least two points and equal lengths");
        if (!(q >= x[0] && q <= x[m - 1])) throw new ArgumentException($"{q} is outside [{x[0]}, {x[m - 1]}]");
        int lo = 0, hi = m; // first index with x > q
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (x[mid] <= q) lo = mid + 1;
            else hi = mid;
        }

        var j = Math.Min(lo - 1, m - 2);
        double xa = x[j], xb = x[j + 1];
        if (xa == xb) return 0.0;
        var w = 1.0 / (xb - xa);
        return y[j] * (w * (xb - q)) + y[j + 1] * (w * (q - xa));
    }

    private static string? NullReason(FoldCounts c, int totalGenuine, double target)
    {
        var needed = (int)Math.Ceiling(1 / target - 1e-9);
        for (var f = 0; f < c.Genuine.Length; f++)
        {
            if (c.Genuine[f] == 0 || c.Impostors[f] == 0) return $"fold {f} lacks genuine or impostor pairs";
            var trainImpostors = c.TotalImpostors - c.Impostors[f];
            if (trainImpostors < needed)
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"needs ≥ {needed} impostor pairs per training split (fold {f} has {trainImpostors})");
            if (totalGenuine - c.Genuine[f] == 0) return $"training split of fold {f} has no genuine pairs";
        }

        return null;
    }
}
