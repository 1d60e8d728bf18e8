using CsCheck;
using FairKd.Core.Eval;

namespace FairKd.Core.Tests.Eval;

public sealed class VerificationScorerTests
{
    [Fact]
    public void KFold_sizes_follow_sklearn()
    {
        var f = KFold.Split(613, 10);
        Assert.Equal([62, 62, 62, 61, 61, 61, 61, 61, 61, 61], f.Select(x => x.Count));
        Assert.Equal(0, f[0].Start);
        Assert.Equal(613, f[^1].Start + f[^1].Count);
        Assert.Throws<ArgumentException>(() => KFold.Split(9, 10));
    }

    [Fact]
    public void Slinear_interpolation_matches_scipy_bspline_values()
    {
        // Values from scipy BSpline.construct_fast(np.r_[x[0], x, x[-1]], y, 1)(q) (what interp1d 'slinear' built before 1.10).
        double[] x = [0, 0, 0, 0.0005, 0.0005, 0.001, 0.001, 0.002, 0.002];
        var y = Enumerable.Range(0, x.Length).Select(i => i * 0.001).ToArray();
        Assert.Equal(0.006, TarAtFarCalculator.InterpolateSlinear(x, y, 1e-3), 1e-15);
        Assert.Equal(0.0044, TarAtFarCalculator.InterpolateSlinear(x, y, 0.0007), 1e-15);
        Assert.Equal(0.004, TarAtFarCalculator.InterpolateSlinear(x, y, 0.0005), 1e-15);
        Assert.Equal(0.0, TarAtFarCalculator.InterpolateSlinear(x, y, 0.002));
        Assert.Equal(0.0022, TarAtFarCalculator.InterpolateSlinear(x, y, 0.0001), 1e-15);
        Assert.Equal(0.002, TarAtFarCalculator.InterpolateSlinear(x, y, 0.0), 1e-15);
    }

    [Fact]
    public void Fast_counts_equal_a_naive_rescan_for_random_inputs()
    {
        var gen = Gen.Int[10, 300].SelectMany(n => Gen.Select(
            Gen.Double[0, 4.2].Array[n],
            Gen.Bool.Array[n],
            Gen.Int[0, 430].Array[n]));
        gen.Sample(t =>
        {
            var (d, s, quant) = t;
            // Mix in exact grid values to exercise the strict '<'.
            for (var i = 0; i < d.Length; i += 3) d[i] = quant[i] * 0.01;
            var r = VerificationScorer.Score(d, s, VerificationProtocol.Default with { FarTargets = [] });
            var (expected, folds) = NaiveAccuracy(d, s);
            for (var f = 0; f < folds.Length; f++)
            {
                Assert.Equal(folds[f].Threshold, r.Folds[f].BestThreshold);
                Assert.Equal(folds[f].Acc, r.Folds[f].TestAccuracy, 1e-15);
            }

            Assert.Equal(expected, r.AccuracyMean, 1e-12);
        }, iter: 60);
    }

    private static (double Mean, (double Threshold, double Acc)[] Folds) NaiveAccuracy(double[] d, bool[] s)
    {
        var splits = KFold.Split(d.Length, 10);
        var result = new (double, double)[splits.Length];
        for (var f = 0; f < splits.Length; f++)
        {
            var (start, count) = splits[f];
            bool InTest(int k) => k >= start && k < start + count;
            double Acc(double t, bool test)
            {
                int ok = 0, n = 0;
                for (var k = 0; k < d.Length; k++)
                {
                    if (InTest(k) != test) continue;
                    n++;
                    if ((d[k] < t) == s[k]) ok++;
                }

                return (double)ok / n;
            }

            var best = 0;
            var bestAcc = -1.0;
            for (var i = 0; i < 400; i++)
            {
                var a = Acc(i * 0.01, false);
                if (a > bestAcc) { bestAcc = a; best = i; }
            }

            result[f] = (best * 0.01, Acc(best * 0.01, true));
        }

        return (result.Average(r => r.Item2), result);
    }

    [Fact]
    public void Bad_inputs_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => VerificationScorer.Score(new double[20], new bool[19]));
        var d = new double[20];
        d[3] = double.NaN;
        Assert.Throws<ArgumentException>(() => VerificationScorer.Score(d, new bool[20]));
        Assert.Throws<ArgumentException>(() => VerificationScorer.PairDistances(new float[10], 3));
    }

    [Fact]
    public void Roc_is_monotone_and_bounded_by_the_point_budget()
    {
        var (d, s, _) = VerificationGoldenTests.LoadCase("n6000");
        var r = VerificationScorer.Score(d, s);
        Assert.InRange(r.Roc.Count, 3, VerificationProtocol.Default.RocPoints);
        Assert.Equal(new RocPoint(0, 0), r.Roc[0]);
        Assert.Equal(new RocPoint(1, 1), r.Roc[^1]);
        for (var i = 1; i < r.Roc.Count; i++)
        {
            Assert.True(r.Roc[i].Far >= r.Roc[i - 1].Far);
            Assert.True(r.Roc[i].Tar >= r.Roc[i - 1].Tar);
        }
    }
}
