using FairKd.Core.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Eval;

/// <summary>Properties of the identity bootstrap, the scores.csv format and the pieces around them.</summary>
public sealed class IdentityBootstrapTests
{
    /// <summary>A golden case's pairs with identities: genuine pair k of identity k % ids, impostor pairs between k % ids and the next one.</summary>
    private static (List<ScoredPair> Pairs, double[] Distances) Case(string name, int ids)
    {
        var (d, s, _) = VerificationGoldenTests.LoadCase(name);
        var folds = KFold.Split(d.Length, 10);
        var pairs = new List<ScoredPair>();
        for (var f = 0; f < folds.Length; f++)
        {
            for (var k = folds[f].Start; k < folds[f].Start + folds[f].Count; k++)
            {
                var a = $"id{k % ids}";
                pairs.Add(new ScoredPair(name, k, null, s[k], f, a, s[k] ? a : $"id{(k + 1) % ids}", d[k]));
            }
        }

        return (pairs, d);
    }

    [Theory]
    [InlineData("n600")]
    [InlineData("n613")]
    [InlineData("ties")]
    [InlineData("perfect")]
    [InlineData("n6000")]
    public void Unit_weights_give_exactly_the_protocol_accuracy_and_doubled_weights_the_same(string name)
    {
        var (scored, d) = Case(name, 37);
        var pairs = BootstrapPairs.From(name, scored, 10)!;
        var expected = VerificationScorer.Score(d, scored.Select(p => p.Same).ToArray()).AccuracyMean;
        Assert.Equal(expected, IdentityBootstrap.WeightedAccuracy(pairs, d, Enumerable.Repeat(1L, d.Length).ToArray()));
        Assert.Equal(expected, IdentityBootstrap.WeightedAccuracy(pairs, d, Enumerable.Repeat(2L, d.Length).ToArray()));
    }

    [Fact]
    public void Draws_put_as_many_identities_as_the_set_has_and_streams_depend_on_seed_and_set_name_only()
    {
        var (scored, d) = Case("n600", 41);
        var pairs = BootstrapPairs.From("n600", scored, 10)!;
        Assert.Equal(41, pairs.IdentityNames.Count);
        Assert.Equal("id0", pairs.IdentityNames[0]);
        var counts = new int[41];
        IdentityBootstrap.Draw(new SplitMix64(SplitMix64.StreamSeed(1, "n600")), counts);
        Assert.Equal(41, counts.Sum());
        Assert.Contains(counts, c => c == 0); // with replacement: some identities are left out

        // A pair of one identity weighs m(a); a pair of two m(a) x m(b).
        var weights = new long[pairs.Count];
        IdentityBootstrap.PairWeights(pairs, counts, weights);
        for (var k = 0; k < pairs.Count; k++)
        {
            var a = int.Parse(scored[k].IdentityA![2..], System.Globalization.CultureInfo.InvariantCulture);
            var b = int.Parse(scored[k].IdentityB![2..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(a == b ? counts[a] : (long)counts[a] * counts[b], weights[k]);
        }

        var options = new BootstrapOptions { Resamples = 120, Seed = 5 };
        var once = IdentityBootstrap.Accuracies(pairs, [d], options)[0];
        Assert.Equal(once, IdentityBootstrap.Accuracies(pairs, [d], options)[0]);
        Assert.NotEqual(once, IdentityBootstrap.Accuracies(pairs, [d], options with { Seed = 6 })[0]);
        var renamed = BootstrapPairs.From("other", scored, 10)!;
        Assert.NotEqual(once, IdentityBootstrap.Accuracies(renamed, [d], options)[0]);
        Assert.True(once.Distinct().Count() > 20, "resamples should vary");
        var interval = BootstrapStatistics.Interval(once, 0.95);
        Assert.InRange(VerificationScorer.Score(d, scored.Select(p => p.Same).ToArray()).AccuracyMean, interval.Lower!.Value - 0.02, interval.Upper!.Value + 0.02);
    }

    [Fact]
    public void Quantiles_follow_numpy_linear_and_undefined_resamples_give_no_interval()
    {
        double[] v = [1, 2, 3, 4];
        Assert.Equal(1.075, BootstrapStatistics.Quantile(v, 0.025), 12); // np.quantile([1,2,3,4], 0.025)
        Assert.Equal(3.925, BootstrapStatistics.Quantile(v, 0.975), 12);
        Assert.Equal(4, BootstrapStatistics.Quantile(v, 1));
        Assert.Equal(1, BootstrapStatistics.Quantile(v, 0));
        var withNan = BootstrapStatistics.Interval([1, double.NaN, 3], 0.95);
        Assert.Null(withNan.Lower);
        Assert.Equal(1, withNan.UndefinedResamples);
        Assert.True(new BootstrapInterval(0.1, 0.5, 0).ExcludesZero);
        Assert.True(new BootstrapInterval(-0.5, -0.1, 0).ExcludesZero);
        Assert.False(new BootstrapInterval(-0.1, 0.5, 0).ExcludesZero);
        Assert.False(withNan.ExcludesZero);
    }

    [Fact]
    public void Ser_of_a_resample_with_a_perfect_group_is_undefined()
    {
        var f = BootstrapStatistics.Fairness([[0.9, 1.0], [0.95, 0.9], [0.92, 0.93], [0.91, 0.94]]);
        Assert.False(double.IsNaN(f.Ser[0]));
        Assert.True(double.IsNaN(f.Ser[1]));
        Assert.Equal(FairnessMetrics.Summarise([new("a", 90), new("b", 95), new("c", 92), new("d", 91)]).Std, f.Std[0], 12);
    }

    [Theory]
    [InlineData("m.0abc/m.0abc_0001.jpg", "m.0abc")]
    [InlineData("Aaron_Eckhart/Aaron_Eckhart_0001.jpg", "Aaron_Eckhart")]
    [InlineData("African/m.0x/1.jpg", "African/m.0x")]
    [InlineData("Aaron_Eckhart_1.jpg", "Aaron_Eckhart")]
    [InlineData("Aaron_Eckhart_0001.jpg", "Aaron_Eckhart")]
    [InlineData("0001.jpg", "0001")]
    [InlineData("_12.png", "_12")]
    [InlineData("noext", "noext")]
    [InlineData("dir\\file_2.jpg", "dir")]
    public void Identity_of_an_image_path(string path, string identity) => Assert.Equal(identity, PairIdentity.Of(path));

    [Theory]
    [InlineData(-1, "--bootstrap must be 0")]
    [InlineData(50, "at least 100 resamples")]
    public void Bad_bootstrap_settings_are_usage_errors(int resamples, string message) =>
        Assert.Contains(message, Assert.Throws<UsageException>(() => new BootstrapOptions { Resamples = resamples }.Validate()).Message, StringComparison.Ordinal);

    [Fact]
    public void Scores_csv_round_trips_quotes_commas_and_missing_identities_and_refuses_other_files()
    {
        using var tmp = new TempDir("scores");
        var path = tmp.Combine("scores.csv");
        ScoredPair[] pairs =
        [
            new("RFW-African", 0, "African", true, 0, "m.0a", "m.0a", 0.123456789012345),
            new("lfw", 7, null, false, 9, "O\"Neil, Pat", "Zed", 1e-5),
            new("cfp_fp", 2, null, true, 3, null, null, 3.999),
        ];
        ScoresCsv.Write(path, pairs);
        Assert.StartsWith("set,pair_id,group,label,fold,identity_a,identity_b,distance\nRFW-African,0,African,1,0,m.0a,m.0a,0.123456789012345\n",
            File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(pairs, ScoresCsv.Read(path));
        Assert.Empty(Directory.GetFiles(tmp.Path, ".*"));

        File.WriteAllText(path, "a,b\n1,2\n");
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => ScoresCsv.Read(path)).Message, StringComparison.Ordinal);
        File.WriteAllText(path, "set,pair_id,group,label,fold,identity_a,identity_b,distance\nx,1,,2,0,a,b,0.5\n");
        Assert.Contains(":2:", Assert.Throws<InvalidDataException>(() => ScoresCsv.Read(path)).Message, StringComparison.Ordinal);
        File.WriteAllText(path, "set,pair_id,group,label,fold,identity_a,identity_b,distance\nx,1,,1,0,a,,0.5\n");
        Assert.Contains("identity", Assert.Throws<InvalidDataException>(() => ScoresCsv.Read(path)).Message, StringComparison.Ordinal);
    }
}
