using System.Buffers.Binary;
using FairKd.Core.Evaluation;
using FairKd.Core.Reporting;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Reporting;

public sealed class ReportCommandTests
{
    private static readonly string[] Groups = ["African", "Asian", "Caucasian", "Indian"];

    /// <summary>A run folder with an eval.json scored from seeded synthetic distances (RFW groups + lfw + cfp_fp) and a run.json.</summary>
    private static void MakeRun(string dir, int seed, double separation, RunLabel? label)
    {
        var rng = new Random(seed);
        double[] Distances(bool[] same, double shift) => same.Select(s =>
        {
            var n = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            return Math.Max(0, (s ? 0.9 + shift : 0.9 + separation) + 0.25 * n);
        }).ToArray();
        var same = Enumerable.Range(0, 1200).Select(i => i % 120 < 60).ToArray();
        var sets = new List<TargetSetResult>();
        var pairs = new List<GroupPairs>();
        for (var g = 0; g < 4; g++)
        {
            var d = Distances(same, 0.05 * g);
            sets.Add(TargetSetResult.From(Groups[g], TargetSetKind.RfwGroup, "sha256:g" + g, VerificationScorer.Score(d, same), Groups[g]));
            pairs.Add(new GroupPairs(Groups[g], d, same));
        }

        sets.Add(TargetSetResult.From("lfw", TargetSetKind.Bin, "sha256:lfw", VerificationScorer.Score(Distances(same, -0.3), same)));
        if (seed % 2 == 0) sets.Add(TargetSetResult.From("cfp_fp", TargetSetKind.Bin, "sha256:cfp", VerificationScorer.Score(Distances(same, 0), same)));
        var summary = FairnessMetrics.Summarise(sets.Take(4).Select(s => new GroupAccuracy(s.Name, s.AccuracyMean * 100)).ToList());
        EvalJson.Write(Path.Combine(dir, "eval.json"), new EvalResult
        {
            Model = new EvalModelInfo("synthetic", "sha256:model" + seed, null),
            Protocol = EvalProtocolInfo.From(VerificationProtocol.Default),
            Sets = sets,
            Rfw = RfwFairness.From(summary, FairnessMetrics.FmrAtGlobalThreshold(pairs, 1e-2)),
        });
        label?.Write(dir);
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(signature), $"{path} is not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
    }

    [Fact]
    public void Report_writes_tables_and_plots_of_the_expected_size()
    {
        using var tmp = new TempDir("report");
        MakeRun(tmp.Combine("r34-real"), 2, 0.9, new RunLabel(Label: "r34 real", Loss: "AdaFace", Model: "ResNet 34", Distillation: false, Data: "Real"));
        MakeRun(tmp.Combine("r34-kd-synth"), 3, 0.7, new RunLabel(Loss: "AdaFace", Model: "r34", Distillation: true, Data: "Synthetic"));
        MakeRun(tmp.Combine("plain-folder"), 4, 0.5, null);
        var outDir = tmp.Combine("out");

        var r = ProcessRunner.Fairkd("report", tmp.Combine("r34-real"), tmp.Combine("r34-kd-synth"), tmp.Combine("plain-folder"),
            "--out", outDir, "--reference", ReferenceFiles.PaperResults);
        Assert.True(r.ExitCode == 0, r.ToString());

        foreach (var f in new[] { "fairness.md", "fairness.csv", "benchmarks.md", "benchmarks.csv", "fmr.md", "fmr.csv", "report.md" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var pngs = Directory.GetFiles(outDir, "*.png").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["accuracy-vs-ser.png", "group-accuracy.png", "roc-01-r34_real.png", "roc-02-r34-kd-synth.png", "roc-03-plain-folder.png"], pngs);
        foreach (var png in pngs) Assert.Equal((900, 540), PngSize(Path.Combine(outDir, png)));
        Assert.Empty(Directory.GetFiles(outDir, ".*tmp*"));

        var report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        foreach (var png in pngs) Assert.Contains($"]({png})", report, StringComparison.Ordinal);
        Assert.Contains("| r34 real | AdaFace | ResNet 34 | No | Real |", report, StringComparison.Ordinal);
        Assert.Contains("| plain-folder | - | - | - | - |", report, StringComparison.Ordinal);
        // Published Table 4 numbers for ResNet 34 / Yes / Synthetic appear on the matching benchmark row.
        Assert.Contains("| 92.39 | 99.62 | 88.85 | 95.30 | 96.68 | 93.13 | 94.52 |", File.ReadAllText(Path.Combine(outDir, "benchmarks.md")), StringComparison.Ordinal);
        var csv = File.ReadAllLines(Path.Combine(outDir, "benchmarks.csv"));
        Assert.Equal(4, csv.Length);
        Assert.Contains("**", File.ReadAllText(Path.Combine(outDir, "fairness.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_eval_json_or_out_is_a_usage_error()
    {
        using var tmp = new TempDir("report");
        Directory.CreateDirectory(tmp.Combine("empty"));
        var r = ProcessRunner.Fairkd("report", tmp.Combine("empty"), "--out", tmp.Combine("out"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("has no eval.json", r.StdErr, StringComparison.Ordinal);
        MakeRun(tmp.Combine("ok"), 5, 0.8, null);
        Assert.Equal(2, ProcessRunner.Fairkd("report", tmp.Combine("ok")).ExitCode);
    }
}
