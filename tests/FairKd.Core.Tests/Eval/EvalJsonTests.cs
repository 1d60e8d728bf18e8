using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Eval;

public sealed class EvalJsonTests
{
    internal static EvalResult Sample()
    {
        var (d, s, _) = VerificationGoldenTests.LoadCase("n6000");
        var groups = new[] { "African", "Asian", "Caucasian", "Indian" };
        var sets = new List<TargetSetResult>();
        var pairs = new List<GroupPairs>();
        for (var g = 0; g < groups.Length; g++)
        {
            var shifted = d.Select(x => x + 0.02 * g).ToArray();
            sets.Add(TargetSetResult.From(groups[g], TargetSetKind.RfwGroup, $"sha256:{g}", VerificationScorer.Score(shifted, s), groups[g]));
            pairs.Add(new GroupPairs(groups[g], shifted, s));
        }

        var (d2, s2, _) = VerificationGoldenTests.LoadCase("n600");
        sets.Add(TargetSetResult.From("lfw", TargetSetKind.Bin, "sha256:lfw", VerificationScorer.Score(d2, s2)));
        var summary = FairnessMetrics.Summarise(sets.Take(4).Select(x => new GroupAccuracy(x.Name, x.AccuracyMean * 100)).ToList());
        return new EvalResult
        {
            Model = new EvalModelInfo("r34-kd", "sha256:abc", "runs/r34/weights.dat"),
            Protocol = EvalProtocolInfo.From(VerificationProtocol.Default),
            Sets = sets,
            Rfw = RfwFairness.From(summary, [FairnessMetrics.OperatingPointAt(pairs, 1e-3), FairnessMetrics.OperatingPointAt(pairs, 1e-4)]),
        };
    }

    [Fact]
    public void Round_trips_every_number_and_uses_kebab_case_kinds()
    {
        using var tmp = new TempDir("evaljson");
        var path = tmp.Combine("run", "eval.json");
        var original = Sample();
        EvalJson.Write(path, original);
        Assert.Equal(["eval.json"], Directory.GetFiles(tmp.Combine("run")).Select(Path.GetFileName));
        var text = File.ReadAllText(path);
        Assert.Contains("\"kind\": \"rfw-group\"", text, StringComparison.Ordinal);
        Assert.Contains("\"schemaVersion\": 2", text, StringComparison.Ordinal);

        var back = EvalJson.Read(path);
        Assert.Equal(EvalJson.Serialize(original), EvalJson.Serialize(back));
        Assert.Equal(original.Sets[0].AccuracyMean, back.Sets[0].AccuracyMean);
        Assert.Equal(original.Rfw!.Std, back.Rfw!.Std);
        Assert.Equal(original.Sets[4].TarAtFar[1].Tar, back.Sets[4].TarAtFar[1].Tar);
        Assert.NotEmpty(back.Sets[0].Roc);
    }

    [Fact]
    public void Rfw_block_is_computed_in_group_order_from_scored_pairs()
    {
        var (d, s, _) = VerificationGoldenTests.LoadCase("n6000");
        var names = new[] { "Indian", "African", "Caucasian", "Asian" };
        var input = names.Select((g, i) =>
        {
            var shifted = d.Select(x => x + 0.03 * i).ToArray();
            return (new GroupPairs(g, shifted, s), VerificationScorer.Score(shifted, s));
        }).ToList();
        var rfw = RfwFairness.Compute(input, [1e-3, 1e-4]);
        Assert.Equal(["African", "Asian", "Caucasian", "Indian"], rfw.Groups.Select(g => g.Group));
        Assert.Equal(input[1].Item2.AccuracyMean * 100, rfw.Groups[0].AccuracyPercent, 1e-12);
        Assert.Equal(rfw.Groups.Average(g => g.AccuracyPercent), rfw.Average, 1e-12);
        Assert.Equal([1e-3, 1e-4], rfw.OperatingPoints.Select(p => p.TargetFmr));
        Assert.Equal(4 * 3000, rfw.OperatingPoints[0].ImpostorPairs);
        Assert.Equal(4, rfw.OperatingPoints[0].Result!.Groups.Count);
        Assert.Equal([3000, 3000, 3000, 3000], rfw.Groups.Select(g => g.GenuinePairs!.Value));
        Assert.NotNull(rfw.OperatingPoints[1].Result); // 12000 pooled impostors support 1e-4
        var tooFew = RfwFairness.Compute(input, [1e-5]).OperatingPoints.Single();
        Assert.Null(tooFew.Result);
        Assert.Equal("needs ≥ 100000 impostor pairs (has 12000)", tooFew.NullReason);

        Assert.Throws<ArgumentException>(() => RfwFairness.Compute(input.Take(3).ToList()));
    }

    [Fact]
    public void Wrong_schema_or_garbage_is_invalid_data()
    {
        using var tmp = new TempDir("evaljson");
        var path = tmp.Combine("eval.json");
        var json = JsonSerializer.Serialize(Sample() with { SchemaVersion = 99 }, EvalJson.Options);
        File.WriteAllText(path, json);
        Assert.Contains("schemaVersion 99", Assert.Throws<InvalidDataException>(() => EvalJson.Read(path)).Message, StringComparison.Ordinal);
        File.WriteAllText(path, "{\"schemaVersion\": 1, \"sets\": 3}");
        Assert.Throws<InvalidDataException>(() => EvalJson.Read(path));
        File.WriteAllText(path, "[");
        Assert.Throws<InvalidDataException>(() => EvalJson.Read(path));
    }

    [Fact]
    public void A_schema_1_file_written_before_schema_2_is_read_and_converted()
    {
        // data/eval-schema1.json: written by the schema-1 EvalJson (FairKd before the fairness evidence), FMR target 1e-2.
        var path = Path.Combine(RepoPaths.Root, "tests", "FairKd.Core.Tests", "Eval", "data", "eval-schema1.json");
        var old = EvalJson.Read(path);
        Assert.Equal(1, old.SchemaVersion);
        Assert.Equal([0.01], old.Protocol.FmrTargets);
        Assert.Null(old.Protocol.Bootstrap);
        Assert.All(old.Sets, s => Assert.Null(s.Identities));
        var point = Assert.Single(old.Rfw!.OperatingPoints);
        Assert.Equal(0.01, point.TargetFmr);
        Assert.Equal(4 * 300, point.ImpostorPairs);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var fmr = doc.RootElement.GetProperty("rfw").GetProperty("fmr");
        Assert.Equal(fmr.GetProperty("threshold").GetDouble(), point.Result!.Threshold);
        Assert.Equal(fmr.GetProperty("groups")[3].GetProperty("fmr").GetDouble(), point.Result.Groups[3].Fmr);
        Assert.Null(point.Result.Groups[0].FalseMatches);
        Assert.Null(old.Rfw.AverageInterval);

        // A schema-1 file whose FMR block was null (too few impostors) reads with the reason that it records none.
        using var tmp = new TempDir("evaljson1");
        var nullFmr = tmp.Combine("eval.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        node["rfw"]!["fmr"] = null;
        File.WriteAllText(nullFmr, node.ToJsonString());
        var none = Assert.Single(EvalJson.Read(nullFmr).Rfw!.OperatingPoints);
        Assert.Null(none.Result);
        Assert.Contains("schema-1", none.NullReason, StringComparison.Ordinal);
    }
}
