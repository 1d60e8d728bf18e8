using System.Text.Json;
using FairKd.Core.Evaluation;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Evaluation;

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
            Rfw = RfwFairness.From(summary, FairnessMetrics.FmrAtGlobalThreshold(pairs)),
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
        Assert.Contains("\"schemaVersion\": 1", text, StringComparison.Ordinal);

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
        var rfw = RfwFairness.Compute(input);
        Assert.Equal(["African", "Asian", "Caucasian", "Indian"], rfw.Groups.Select(g => g.Group));
        Assert.Equal(input[1].Item2.AccuracyMean * 100, rfw.Groups[0].AccuracyPercent, 1e-12);
        Assert.Equal(rfw.Groups.Average(g => g.AccuracyPercent), rfw.Average, 1e-12);
        Assert.NotNull(rfw.Fmr);
        Assert.Equal(4, rfw.Fmr.Groups.Count);
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
}
