using System.Buffers.Binary;
using FairKd.Core.Eval;
using FairKd.Core.Report;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Report;

public sealed class ReportCommandTests
{
    private static readonly string[] Groups = ["African", "Asian", "Caucasian", "Indian"];

    /// <summary>
    /// A run folder with an eval.json scored from seeded synthetic distances (RFW groups + lfw + cfp_fp), its scores.csv
    /// (RFW and lfw pairs name identities: genuine pair k of identity k % 150, impostors of k % 150 and the next; the same
    /// pairs in every run) and a run.json.
    /// </summary>
    internal static void MakeRun(string dir, int seed, double separation, RunLabel? label, int bootstrap = 200)
    {
        var rng = new Random(seed);
        double[] Distances(bool[] same, double shift) => same.Select(s =>
        {
            var n = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            return Math.Max(0, (s ? 0.9 + shift : 0.9 + separation) + 0.25 * n);
        }).ToArray();
        var same = Enumerable.Range(0, 1200).Select(i => i % 120 < 60).ToArray();
        var sets = new List<TargetSetResult>();
        var pairs = new List<(GroupPairs, VerificationResult)>();
        var scores = new List<ScoredPair>();
        void Add(string name, TargetSetKind kind, string? group, double[] d, bool identities)
        {
            var r = VerificationScorer.Score(d, same);
            sets.Add(TargetSetResult.From(name, kind, "sha256:" + name, r, group));
            if (group is not null) pairs.Add((new GroupPairs(group, d, same), r));
            for (var k = 0; k < d.Length; k++)
            {
                var a = identities ? $"{name}-{k % 150}" : null;
                var b = identities ? (same[k] ? a : $"{name}-{(k + 1) % 150}") : null;
                scores.Add(new ScoredPair(name, k, group, same[k], k / 120, a, b, d[k]));
            }
        }

        for (var g = 0; g < 4; g++) Add("RFW-" + Groups[g], TargetSetKind.RfwGroup, Groups[g], Distances(same, 0.05 * g), true);
        Add("lfw", TargetSetKind.Lfw, null, Distances(same, -0.3), true);
        if (seed % 2 == 0) Add("cfp_fp", TargetSetKind.Bin, null, Distances(same, 0), false);
        var result = new EvalResult
        {
            Model = new EvalModelInfo("synthetic", "sha256:model" + seed, null),
            Protocol = EvalProtocolInfo.From(VerificationProtocol.Default, [1e-2, 1e-4]),
            Sets = sets,
            Rfw = RfwFairness.Compute(pairs, [1e-2, 1e-4]),
        };
        EvalJson.Write(Path.Combine(dir, "eval.json"), EvalEvidence.Attach(result, scores, new BootstrapOptions { Resamples = bootstrap }));
        ScoresCsv.Write(Path.Combine(dir, ScoresCsv.FileName), scores);
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
    public void Report_writes_tables_evidence_comparisons_and_plots_of_the_expected_size()
    {
        using var tmp = new TempDir("report");
        MakeRun(tmp.Combine("r34-real"), 2, 0.9, new RunLabel(Label: "r34 real", Loss: "AdaFace", Model: "ResNet 34", Distillation: false, Data: "Real"));
        MakeRun(tmp.Combine("r34-kd-synth"), 3, 0.7, new RunLabel(Loss: "AdaFace", Model: "r34", Distillation: true, Data: "Synthetic"));
        MakeRun(tmp.Combine("plain-folder"), 4, 0.5, null);
        MakeRun(tmp.Combine("r34-kd-real"), 6, 1.1, new RunLabel(Label: "r34 kd real", Loss: "AdaFace", Model: "r34", Distillation: true, Data: "Real"));
        var outDir = tmp.Combine("out");
        string[] runs = [tmp.Combine("r34-real"), tmp.Combine("r34-kd-synth"), tmp.Combine("plain-folder"), tmp.Combine("r34-kd-real")];

        var r = ProcessRunner.Fairkd(["report", .. runs, "--out", outDir, "--reference", ReferenceFiles.PaperResults, "--bootstrap", "300"]);
        Assert.True(r.ExitCode == 0, r.ToString());

        foreach (var f in new[] { "fairness.md", "fairness.csv", "benchmarks.md", "benchmarks.csv", "fmr.md", "fmr.csv", "kd-comparisons.md", "kd-comparisons.csv",
                     "evidence.md", "evidence-01-r34_real-rfw.csv", "evidence-01-r34_real-operating-points.csv", "evidence-04-r34_kd_real-sets.csv", "report.md" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        var pngs = Directory.GetFiles(outDir, "*.png").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["accuracy-vs-ser.png", "det-01-r34_real.png", "det-02-r34-kd-synth.png", "det-03-plain-folder.png", "det-04-r34_kd_real.png", "group-accuracy.png",
            "roc-01-r34_real.png", "roc-02-r34-kd-synth.png", "roc-03-plain-folder.png", "roc-04-r34_kd_real.png"], pngs);
        foreach (var png in pngs) Assert.Equal((900, 540), PngSize(Path.Combine(outDir, png)));
        Assert.Empty(Directory.GetFiles(outDir, ".*tmp*"));

        var report = File.ReadAllText(Path.Combine(outDir, "report.md"));
        foreach (var png in pngs) Assert.Contains($"]({png})", report, StringComparison.Ordinal);
        Assert.Contains("| r34 real | AdaFace | ResNet 34 | No | Real |", report, StringComparison.Ordinal);
        Assert.Contains("| plain-folder | - | - | - | - |", report, StringComparison.Ordinal);
        Assert.Contains(" | 4800 (2400/2400) | 600 |", File.ReadAllText(Path.Combine(outDir, "fairness.md")), StringComparison.Ordinal);
        // Published Table 4 numbers for ResNet 34 / Yes / Synthetic appear on the matching benchmark row.
        Assert.Contains("| 92.39 | 99.62 | 88.85 | 95.30 | 96.68 | 93.13 | 94.52 |", File.ReadAllText(Path.Combine(outDir, "benchmarks.md")), StringComparison.Ordinal);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(outDir, "benchmarks.csv")).Length);
        Assert.Contains("**", File.ReadAllText(Path.Combine(outDir, "fairness.md")), StringComparison.Ordinal);

        // Operating points: 2400 pooled impostors support FMR 1e-2 but not 1e-4, and the report says why.
        var fmr = File.ReadAllText(Path.Combine(outDir, "fmr.md"));
        Assert.Contains("| r34 real | 1e-2 | 2400 |", fmr, StringComparison.Ordinal);
        Assert.Contains("| r34 real | 1e-4 | 2400 | - |", fmr, StringComparison.Ordinal);
        Assert.Contains("n/a (needs ≥ 10000 impostor pairs (has 2400)) |", fmr, StringComparison.Ordinal);

        // Evidence: intervals with counts per group and statistic; TAR@FAR n/a with its reason.
        var evidence = File.ReadAllText(Path.Combine(outDir, "evidence.md"));
        Assert.Contains("### r34 real: RFW accuracy (%) with 200 identity resamples, seed 1, 95% percentile intervals", evidence, StringComparison.Ordinal);
        Assert.Matches(@"\| Average \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| 2400 \| 2400 \| 600 \| - \|", evidence);
        Assert.Matches(@"\| African \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| 600 \| 600 \| 150 \| - \|", evidence);
        Assert.Contains("n/a (needs ≥ 1000 impostor pairs per training split (fold 0 has 540))", evidence, StringComparison.Ordinal);
        Assert.Contains("| cfp_fp | 600 | 600 | - | 0 |", evidence, StringComparison.Ordinal);
        Assert.Contains(EvalEvidence.NoIdentities, evidence, StringComparison.Ordinal);
        Assert.Contains("## Fairness evidence per run", report, StringComparison.Ordinal);

        // The one KD pair (same model, loss, data): every shared set and the RFW statistics, with the paired interval.
        var kd = File.ReadAllText(Path.Combine(outDir, "kd-comparisons.md"));
        Assert.Contains("(300 resamples, seed 1, 95% percentile interval of KD - no KD)", kd, StringComparison.Ordinal);
        foreach (var metric in new[] { "RFW-African", "RFW-Indian", "lfw", "RFW Average", "RFW STD", "RFW SER" })
            Assert.Matches($@"\| r34 kd real \| r34 real \| {metric} \| [-\d.]+ \| [-\d.]+ \| [-\d.]+ \| [-\d.]+ \| [-\d.]+ \| (yes|no) \|", kd);
        Assert.Contains("| r34 kd real | r34 real | cfp_fp | - | - | - | - | - | n/a | 600 | 600 | 0 | " + EvalEvidence.NoIdentities + " |", kd, StringComparison.Ordinal);
        Assert.DoesNotContain("r34-kd-synth", kd, StringComparison.Ordinal);
        // KD separates better here (impostor mean 2.0 vs 1.8): its average accuracy is higher and the bootstrap says so.
        Assert.Matches(@"\| r34 kd real \| r34 real \| RFW Average \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| yes \|", kd);
        Assert.Contains("## KD vs no KD", report, StringComparison.Ordinal);

        // Same inputs, same seed: the same bytes.
        var again = tmp.Combine("again");
        Assert.Equal(0, ProcessRunner.Fairkd(["report", .. runs, "--out", again, "--reference", ReferenceFiles.PaperResults, "--bootstrap", "300"]).ExitCode);
        foreach (var f in Directory.GetFiles(outDir))
            Assert.True(File.ReadAllBytes(f).SequenceEqual(File.ReadAllBytes(Path.Combine(again, Path.GetFileName(f)))), Path.GetFileName(f));
    }

    [Fact]
    public void A_run_without_scores_csv_is_reported_with_the_reason_and_bad_bootstrap_is_a_usage_error()
    {
        using var tmp = new TempDir("report");
        MakeRun(tmp.Combine("base"), 2, 0.9, new RunLabel(Loss: "AdaFace", Model: "r34", Distillation: false, Data: "Real"));
        MakeRun(tmp.Combine("kd"), 4, 1.0, new RunLabel(Loss: "AdaFace", Model: "r34", Distillation: true, Data: "Real"), bootstrap: 0);
        File.Delete(tmp.Combine("base", ScoresCsv.FileName));
        var r = ProcessRunner.Fairkd("report", tmp.Combine("base"), tmp.Combine("kd"), "--out", tmp.Combine("out"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("| kd | base | all | - | - | - | - | - | n/a | - | - | - | no scores.csv beside base's eval.json", File.ReadAllText(tmp.Combine("out", "kd-comparisons.md")), StringComparison.Ordinal);
        Assert.Contains("| Average | ", File.ReadAllText(tmp.Combine("out", "evidence.md")), StringComparison.Ordinal);
        Assert.Contains(EvalEvidence.BootstrapOff, File.ReadAllText(tmp.Combine("out", "evidence.md")), StringComparison.Ordinal);

        r = ProcessRunner.Fairkd("report", tmp.Combine("kd"), "--out", tmp.Combine("out2"), "--bootstrap", "10");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("at least 100 resamples", r.StdErr, StringComparison.Ordinal);
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

    [Fact]
    public void A_folder_another_run_is_writing_is_refused_and_left_alone()
    {
        // Every stage holds its output folder (FairKd.Core.IO.RunFolder): a second run into it, here a child `fairkd report`
        // while this process holds the folder as a training run would, exits 2 naming the holder and writes nothing.
        using var tmp = new TempDir("report");
        MakeRun(tmp.Combine("ok"), 5, 0.8, null);
        var outDir = tmp.Combine("out");
        using (FairKd.Core.IO.RunFolder.Acquire(outDir, "train"))
        {
            var r = ProcessRunner.Fairkd("report", tmp.Combine("ok"), "--out", outDir);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains($"is being written by another fairkd run (train, process {Environment.ProcessId}", r.StdErr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(outDir, "report.md")));
        }

        Assert.Equal(0, ProcessRunner.Fairkd("report", tmp.Combine("ok"), "--out", outDir).ExitCode);
        Assert.True(File.Exists(Path.Combine(outDir, "report.md")));
        Assert.Null(FairKd.Core.IO.RunFolder.Holder(outDir)); // released: no holder recorded
    }
}
