using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Eval;

/// <summary>
/// The identity bootstrap, the paired comparison and the operating points against tests/golden/bootstrap/generate.py,
/// which restates the resampling protocol in numpy and recomputes everything from the same scores.csv files.
/// </summary>
public sealed class BootstrapGoldenTests
{
    private static readonly string[] Groups = ["African", "Asian", "Caucasian", "Indian"];
    private static readonly Lazy<JsonElement> Golden = new(() => JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("bootstrap/bootstrap.json"))).RootElement.Clone());
    private static readonly Lazy<IReadOnlyList<ScoredPair>> ScoresA = new(() => ScoresCsv.Read(RepoPaths.Golden("bootstrap/scores-a.csv")));
    private static readonly Lazy<IReadOnlyList<ScoredPair>> ScoresB = new(() => ScoresCsv.Read(RepoPaths.Golden("bootstrap/scores-b.csv")));

    private static BootstrapOptions Options => new()
    {
        Resamples = Golden.Value.GetProperty("resamples").GetInt32(),
        Seed = Golden.Value.GetProperty("seed").GetUInt64(),
        Confidence = Golden.Value.GetProperty("confidence").GetDouble(),
    };

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Null ? double.NaN : x.GetDouble()).ToArray();

    private static List<ScoredPair> Set(IReadOnlyList<ScoredPair> all, string name) => all.Where(p => p.Set == name).ToList();

    private static void AssertInterval(JsonElement expected, BootstrapInterval actual, double tolerance, string what)
    {
        Assert.True(expected.ValueKind == JsonValueKind.Array, $"{what}: the golden has no interval");
        Assert.Equal(0, actual.UndefinedResamples);
        Assert.True(Math.Abs(expected[0].GetDouble() - actual.Lower!.Value) <= tolerance, $"{what}: lower {actual.Lower} vs {expected[0]}");
        Assert.True(Math.Abs(expected[1].GetDouble() - actual.Upper!.Value) <= tolerance, $"{what}: upper {actual.Upper} vs {expected[1]}");
    }

    [Fact]
    public void SplitMix64_draws_the_python_stream()
    {
        var rng = new SplitMix64(1);
        Assert.Equal(Golden.Value.GetProperty("splitmixSeed1").EnumerateArray().Select(e => e.GetUInt64()), Enumerable.Range(0, 5).Select(_ => rng.Next()));
        rng = new SplitMix64(1);
        Assert.Equal(Golden.Value.GetProperty("indexSeed1").EnumerateArray().Select(e => e.GetInt32()), new[] { 1, 2, 3, 7, 1000, int.MaxValue }.Select(rng.NextIndex));
    }

    [Fact]
    public void Every_resample_accuracy_and_interval_matches_numpy()
    {
        var options = Options;
        foreach (var set in Golden.Value.GetProperty("sets").EnumerateObject())
        {
            var g = set.Value;
            var a = Set(ScoresA.Value, set.Name);
            var pairs = BootstrapPairs.From(set.Name, a, 10)!;
            Assert.Equal(g.GetProperty("identities").GetInt32(), pairs.IdentityNames.Count);
            Assert.Equal(g.GetProperty("streamSeed").GetUInt64(), SplitMix64.StreamSeed(options.Seed, set.Name));
            var counts = new int[pairs.IdentityNames.Count];
            IdentityBootstrap.Draw(new SplitMix64(SplitMix64.StreamSeed(options.Seed, set.Name)), counts);
            Assert.Equal(g.GetProperty("firstCounts").EnumerateArray().Select(e => e.GetInt32()), counts);

            var da = a.Select(p => p.Distance).ToArray();
            var db = Set(ScoresB.Value, set.Name).Select(p => p.Distance).ToArray();
            var r = IdentityBootstrap.Accuracies(pairs, [da, db], options);
            foreach (var (m, res) in new[] { ("A", r[0]), ("B", r[1]) })
            {
                var expected = Doubles(g.GetProperty("resamples" + m));
                Assert.Equal(expected.Length, res.Length);
                for (var b = 0; b < res.Length; b++)
                    Assert.True(Math.Abs(expected[b] - res[b]) <= 1e-12, $"{set.Name} model {m} resample {b}: {res[b]} vs {expected[b]}");
                AssertInterval(g.GetProperty("interval" + m), BootstrapStatistics.Interval(res, options.Confidence), 1e-12, $"{set.Name} {m}");
            }

            var ones = Enumerable.Repeat(1L, pairs.Count).ToArray();
            Assert.Equal(g.GetProperty("observedA").GetDouble(), IdentityBootstrap.WeightedAccuracy(pairs, da, ones), 12);
            Assert.Equal(VerificationScorer.Score(da, a.Select(p => p.Same).ToArray()).AccuracyMean, IdentityBootstrap.WeightedAccuracy(pairs, da, ones));
        }
    }

    [Fact]
    public void Paired_comparison_matches_numpy_for_sets_and_rfw_statistics()
    {
        var rows = PairedComparison.Compare(ScoresA.Value, ScoresB.Value, Options);
        var sets = Golden.Value.GetProperty("sets");
        foreach (var set in sets.EnumerateObject())
        {
            var row = rows.Single(r => r.Metric == set.Name);
            Assert.Null(row.NullReason);
            Assert.Equal((set.Value.GetProperty("observedA").GetDouble() - set.Value.GetProperty("observedB").GetDouble()) * 100, row.Difference!.Value, 9);
            AssertInterval(set.Value.GetProperty("differenceInterval"), row.Interval!, 1e-9, set.Name);
        }

        var pack = rows.Single(r => r.Metric == "cfp_fp");
        Assert.Equal(EvalEvidence.NoIdentities, pack.NullReason);
        Assert.Null(pack.Interval);

        var rfw = Golden.Value.GetProperty("rfw");
        foreach (var stat in new[] { "average", "std", "ser" })
        {
            var row = rows.Single(r => r.Metric == "RFW " + (stat == "average" ? "Average" : stat.ToUpperInvariant()));
            Assert.Equal(rfw.GetProperty("A").GetProperty("observed").GetProperty(stat).GetDouble(), row.A!.Value, 9);
            Assert.Equal(rfw.GetProperty("B").GetProperty("observed").GetProperty(stat).GetDouble(), row.B!.Value, 9);
            AssertInterval(rfw.GetProperty("differenceIntervals").GetProperty(stat), row.Interval!, 1e-9, "RFW " + stat);
            Assert.Equal(4 * 50, row.Identities);
            Assert.Equal(4 * 500, row.GenuinePairs + row.ImpostorPairs);
        }
    }

    [Fact]
    public void Eval_evidence_from_scores_reproduces_the_golden_intervals()
    {
        var options = Options;
        var sets = new List<TargetSetResult>();
        var groups = new List<(GroupPairs, VerificationResult)>();
        foreach (var name in ScoresA.Value.Select(p => p.Set).Distinct())
        {
            var pairs = Set(ScoresA.Value, name);
            var d = pairs.Select(p => p.Distance).ToArray();
            var same = pairs.Select(p => p.Same).ToArray();
            var r = VerificationScorer.Score(d, same);
            var group = pairs[0].Group;
            sets.Add(TargetSetResult.From(name, group is null ? TargetSetKind.Bin : TargetSetKind.RfwGroup, "fp", r, group));
            if (group is not null) groups.Add((new GroupPairs(group, d, same), r));
        }

        var plain = new EvalResult
        {
            Model = new EvalModelInfo("a", "fp", null),
            Protocol = EvalProtocolInfo.From(VerificationProtocol.Default),
            Sets = sets,
            Rfw = RfwFairness.Compute(groups),
        };
        var result = EvalEvidence.Attach(plain, ScoresA.Value, options);
        var golden = Golden.Value;
        foreach (var set in result.Sets)
        {
            if (!golden.GetProperty("sets").TryGetProperty(set.Name, out var g))
            {
                Assert.Null(set.Identities);
                Assert.Equal(EvalEvidence.NoIdentities, set.IntervalNote);
                continue;
            }

            Assert.Equal(g.GetProperty("identities").GetInt32(), set.Identities);
            AssertInterval(g.GetProperty("intervalA"), set.AccuracyInterval!, 1e-12, set.Name);
        }

        var rfw = result.Rfw!;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Groups[i], rfw.Groups[i].Group);
            Assert.Equal(50, rfw.Groups[i].Identities);
            var interval = rfw.Groups[i].Interval!;
            AssertInterval(golden.GetProperty("sets").GetProperty("RFW-" + Groups[i]).GetProperty("intervalA"), interval with { Lower = interval.Lower / 100, Upper = interval.Upper / 100 }, 1e-12, Groups[i]);
        }

        var intervals = golden.GetProperty("rfw").GetProperty("A").GetProperty("intervals");
        AssertInterval(intervals.GetProperty("average"), rfw.AverageInterval!, 1e-9, "average");
        AssertInterval(intervals.GetProperty("std"), rfw.StdInterval!, 1e-9, "std");
        AssertInterval(intervals.GetProperty("ser"), rfw.SerInterval!, 1e-9, "ser");
        var perResample = BootstrapStatistics.Fairness(Groups.Select(g => IdentityBootstrap.Accuracies(
            BootstrapPairs.From("RFW-" + g, Set(ScoresA.Value, "RFW-" + g), 10)!, [Set(ScoresA.Value, "RFW-" + g).Select(p => p.Distance).ToArray()], options)[0]).ToList());
        foreach (var stat in new[] { ("average", perResample.Average), ("std", perResample.Std), ("ser", perResample.Ser) })
        {
            var expected = Doubles(golden.GetProperty("rfw").GetProperty("A").GetProperty(stat.Item1));
            for (var b = 0; b < expected.Length; b++)
                Assert.True(Math.Abs(expected[b] - stat.Item2[b]) <= 1e-9, $"{stat.Item1} resample {b}: {stat.Item2[b]} vs {expected[b]}");
        }
    }

    [Fact]
    public void Operating_points_and_nist_ratios_match_numpy()
    {
        var groups = Groups.Select(g =>
        {
            var pairs = Set(ScoresA.Value, "RFW-" + g);
            return new GroupPairs(g, pairs.Select(p => p.Distance).ToArray(), pairs.Select(p => p.Same).ToArray());
        }).ToList();
        foreach (var expected in Golden.Value.GetProperty("operatingPointsA").EnumerateArray())
        {
            var target = expected.GetProperty("targetFmr").GetDouble();
            var point = FairnessMetrics.OperatingPointAt(groups, target);
            Assert.Equal(expected.GetProperty("impostorPairs").GetInt32(), point.ImpostorPairs);
            if (!expected.TryGetProperty("threshold", out _))
            {
                Assert.Null(point.Result);
                Assert.Equal($"needs ≥ {expected.GetProperty("needed").GetInt32()} impostor pairs (has {point.ImpostorPairs})", point.NullReason);
                continue;
            }

            var r = point.Result!;
            Assert.Equal(expected.GetProperty("threshold").GetDouble(), r.Threshold, 9);
            Assert.Equal(expected.GetProperty("pooledFar").GetDouble(), r.PooledFar, 12);
            Assert.InRange(r.PooledFar, 0, target);
            var rows = expected.GetProperty("groups").EnumerateArray().ToList();
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(rows[i].GetProperty("falseMatches").GetInt32(), r.Groups[i].FalseMatches);
                Assert.Equal(rows[i].GetProperty("falseNonMatches").GetInt32(), r.Groups[i].FalseNonMatches);
                Assert.Equal(rows[i].GetProperty("fmr").GetDouble(), r.Groups[i].Fmr, 15);
                Assert.Equal(rows[i].GetProperty("fnmr").GetDouble(), r.Groups[i].Fnmr, 15);
            }

            foreach (var (key, value) in new[] { ("fmrMaxMin", r.MaxMinFmrRatio), ("fmrMaxGeo", r.MaxGeoMeanFmrRatio), ("fnmrMaxMin", r.MaxMinFnmrRatio), ("fnmrMaxGeo", r.MaxGeoMeanFnmrRatio) })
            {
                if (expected.GetProperty(key).ValueKind == JsonValueKind.Null) Assert.Null(value);
                else Assert.Equal(expected.GetProperty(key).GetDouble(), value!.Value, 12);
            }
        }
    }
}
