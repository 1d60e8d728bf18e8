using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Eval;

/// <summary>The scorer against tests/golden/eval/generate.py (a literal numpy statement of the insightface protocol).</summary>
public sealed class VerificationGoldenTests
{
    internal static (double[] Distances, bool[] IsSame, JsonElement Root) LoadCase(string name)
    {
        var path = RepoPaths.Golden($"eval/eval-{name}.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement.Clone();
        var d = root.GetProperty("distances").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var s = root.GetProperty("issame").GetString()!.Select(c => c == '1').ToArray();
        return (d, s, root);
    }

    [Theory]
    [InlineData("n600")]
    [InlineData("n6000")]
    [InlineData("n22400")]
    [InlineData("n613")]
    [InlineData("allsame")]
    [InlineData("perfect")]
    [InlineData("ties")]
    public void Scorer_matches_numpy_reference(string name)
    {
        var (d, s, g) = LoadCase(name);
        var r = VerificationScorer.Score(d, s);

        Assert.Equal(d.Length, r.Pairs);
        Assert.Equal(g.GetProperty("accuracyMean").GetDouble(), r.AccuracyMean, 1e-9);
        Assert.Equal(g.GetProperty("accuracyStd").GetDouble(), r.AccuracyStd, 1e-9);
        var folds = g.GetProperty("folds").EnumerateArray().ToArray();
        Assert.Equal(folds.Length, r.Folds.Count);
        for (var f = 0; f < folds.Length; f++)
        {
            Assert.Equal(folds[f].GetProperty("start").GetInt32(), r.Folds[f].Start);
            Assert.Equal(folds[f].GetProperty("count").GetInt32(), r.Folds[f].Count);
            Assert.Equal(folds[f].GetProperty("bestThreshold").GetDouble(), r.Folds[f].BestThreshold);
            Assert.Equal(folds[f].GetProperty("trainAccuracy").GetDouble(), r.Folds[f].TrainAccuracy, 1e-12);
            Assert.Equal(folds[f].GetProperty("testAccuracy").GetDouble(), r.Folds[f].TestAccuracy, 1e-12);
        }

        var tars = g.GetProperty("tarAtFar").EnumerateArray().ToArray();
        Assert.Equal(tars.Length, r.TarAtFar.Count);
        for (var i = 0; i < tars.Length; i++)
        {
            var mine = r.TarAtFar[i];
            if (tars[i].ValueKind == JsonValueKind.Null)
            {
                Assert.Null(mine.Tar);
                Assert.NotNull(mine.NullReason);
                continue;
            }

            Assert.Equal(tars[i].GetProperty("targetFar").GetDouble(), mine.TargetFar);
            Assert.Equal(tars[i].GetProperty("tar").GetDouble(), mine.Tar!.Value, 1e-6);
            Assert.Equal(tars[i].GetProperty("tarStd").GetDouble(), mine.TarStd!.Value, 1e-6);
            Assert.Equal(tars[i].GetProperty("far").GetDouble(), mine.Far!.Value, 1e-6);
            var thr = tars[i].GetProperty("thresholds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (var f = 0; f < thr.Length; f++) Assert.Equal(thr[f], mine.Thresholds![f], 1e-9);
        }

        var auc = g.GetProperty("auc");
        if (auc.ValueKind == JsonValueKind.Null) Assert.Null(r.Auc);
        else Assert.Equal(auc.GetDouble(), r.Auc!.Value, 1e-6);
    }

    [Fact]
    public void Golden_cases_exercise_both_tar_targets()
    {
        // Guards the golden set itself: the 1e-4 target must be computed somewhere, the 1e-3 one too.
        var (_, _, g) = LoadCase("n22400");
        Assert.All(g.GetProperty("tarAtFar").EnumerateArray(), t => Assert.NotEqual(JsonValueKind.Null, t.ValueKind));
    }

    [Fact]
    public void Flip_fusion_and_distances_match_numpy()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("eval/eval-embeddings.json")));
        var root = doc.RootElement;
        var dim = root.GetProperty("dim").GetInt32();
        var plain = root.GetProperty("plain").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        var flipped = root.GetProperty("flipped").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        var expected = root.GetProperty("distances").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var fused = new float[plain.Length];
        VerificationScorer.CombineFlip(plain, flipped, fused);
        var d = VerificationScorer.PairDistances(fused, dim);
        Assert.Equal(expected.Length, d.Length);
        for (var k = 0; k < d.Length; k++) Assert.Equal(expected[k], d[k], 1e-12);
    }

    [Fact]
    public void Fmr_at_global_threshold_matches_numpy()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("eval/eval-fmr.json")));
        var root = doc.RootElement;
        var groups = root.GetProperty("groups").EnumerateObject().Select(p => new GroupPairs(p.Name,
            p.Value.GetProperty("distances").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            p.Value.GetProperty("issame").GetString()!.Select(c => c == '1').ToArray())).ToList();
        var r = FairnessMetrics.FmrAtGlobalThreshold(groups, root.GetProperty("targetFar").GetDouble());
        Assert.NotNull(r);
        Assert.Equal(root.GetProperty("threshold").GetDouble(), r.Threshold, 1e-9);
        Assert.Equal(root.GetProperty("pooledFar").GetDouble(), r.PooledFar, 1e-12);
        Assert.True(r.PooledFar <= r.TargetFar, $"pooled FMR {r.PooledFar} exceeds the target");
        foreach (var g in r.Groups)
        {
            var e = root.GetProperty("rates").GetProperty(g.Group);
            Assert.Equal(e.GetProperty("fmr").GetDouble(), g.Fmr, 1e-12);
            Assert.Equal(e.GetProperty("fnmr").GetDouble(), g.Fnmr, 1e-12);
        }

        Assert.Equal(root.GetProperty("ratio").GetDouble(), r.MaxMinFmrRatio!.Value, 1e-9);
    }
}
