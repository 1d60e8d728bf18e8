using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// Distillation without identity labels: unlabelled faces (<c>--dataset NAME=PATH:flat</c>) train by KD alone
/// (<c>--loss none</c>), or beside a labelled set whose images also carry the margin loss.
/// </summary>
public class KdOnlyTrainTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private const string Student = "iresnet18:width=0.0625,emb=16";

    private string Flat(string set) => $"{set.Replace("synthetic-", "u", StringComparison.Ordinal)}={fx.Data}/{set}:flat";

    private string Embed(string name, string weights, string spec, params string[] datasets)
    {
        var cache = fx.Dir.Combine(name);
        string[] args = ["embed", .. datasets.SelectMany(d => new[] { "--dataset", d }), "--teacher", spec, "--weights", weights, "--no-ethnicity", "--out", cache];
        var r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return cache;
    }

    private int Images(string set) => Directory.EnumerateFiles(Path.Combine(fx.Data, set), "*", SearchOption.AllDirectories)
        .Count(f => FairKd.Data.Readers.ImageExtensions.IsImage(Path.GetFileName(f)));

    /// <summary>Mean cosine between two caches' embeddings of the same keys.</summary>
    private static double MeanCosine(string a, string b)
    {
        var other = EmbedFixture.Rows(b).ToDictionary(r => r.Key, r => r.E, StringComparer.Ordinal);
        var rows = EmbedFixture.Rows(a);
        Assert.NotEmpty(rows);
        Assert.Equal(other.Count, rows.Count);
        return rows.Average(r => r.E.Zip(other[r.Key], (x, y) => (double)x * y).Sum());
    }

    [Fact]
    public void A_kd_only_student_on_unlabelled_faces_moves_towards_the_teacher_and_verifies_above_chance()
    {
        var cache = Embed("k-cache", EmbedFixture.Weights, EmbedFixture.Spec, Flat("synthetic-a"), Flat("synthetic-b"));
        var heldOut = $"lfw={fx.Data}/lfw"; // faces the student never trains on (aligned, identity/image)
        var teacherHeldOut = Embed("k-teacher-lfw", EmbedFixture.Weights, EmbedFixture.Spec, heldOut);

        string[] common = ["train", "--dataset", Flat("synthetic-a"), "--dataset", Flat("synthetic-b"), "--model", Student, "--loss", "none",
            "--cache", cache, "--batch-size", "16", "--log-every", "1", "--seed", "5", "--threads", "1"];
        var init = fx.Dir.Combine("k-init");
        var r = ProcessRunner.Fairkd([.. common, "--epochs", "1", "--max-steps", "1", "--lr", "1e-9", "--out", init]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var run = fx.Dir.Combine("k-kd-only");
        r = ProcessRunner.Fairkd([.. common, "--epochs", "15", "--lr", "0.5", "--milestones", "12", "--out", run]);
        Assert.True(r.ExitCode == 0, r.ToString());

        // every step is KD alone: no margin term, and the KD term falls (the student's cosine to the teacher rises)
        var log = File.ReadAllLines(Path.Combine(run, "train.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(log, e => Assert.Equal(0.0, e.GetProperty("margin_loss").GetDouble()));
        double Kd(IEnumerable<JsonElement> rows) => rows.Average(e => e.GetProperty("kd_loss").GetDouble());
        var (first, last) = (Kd(log.Take(4)), Kd(log.TakeLast(4)));
        Assert.True(last < 0.5 * first, $"KD term {first:F3} -> {last:F3}");

        // on faces it never saw, the trained student's embeddings lie closer to the teacher's than the untrained student's
        var before = MeanCosine(Embed("k-init-lfw", Path.Combine(init, "backbone.pth"), Student, heldOut), teacherHeldOut);
        var after = MeanCosine(Embed("k-after-lfw", Path.Combine(run, "backbone.pth"), Student, heldOut), teacherHeldOut);
        Assert.True(after > before + 0.1 && after > 0.6, $"mean cosine to the teacher on held-out faces: {before:F3} -> {after:F3}");

        var eval = fx.Dir.Combine("k-eval");
        r = ProcessRunner.Fairkd("eval", "--model", Student, "--weights", Path.Combine(run, "backbone.pth"), "--rfw", Path.Combine(fx.Data, "rfw"), "--out", eval);
        Assert.True(r.ExitCode == 0, r.ToString());
        var result = EvalJson.Read(Path.Combine(eval, "eval.json"));
        Assert.True(result.Rfw!.Average > 55, $"RFW average {result.Rfw.Average:F1} (chance is 50)");

        // the run records which images carried which loss
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "model.json")));
        var weights = config.RootElement.GetProperty("lossWeights").EnumerateArray()
            .ToDictionary(e => e.GetProperty("dataset").GetString()!, e => (e.GetProperty("unlabelled").GetInt32(), e.GetProperty("margin").GetDouble(), e.GetProperty("kd").GetDouble()));
        Assert.Equal((Images("synthetic-a"), 0.0, 1.0), weights["ua"]);
        Assert.Equal((Images("synthetic-b"), 0.0, 1.0), weights["ub"]);
    }

    [Fact]
    public void Labelled_and_unlabelled_sets_train_together_with_per_dataset_weights_and_bad_settings_exit_two()
    {
        var cache = Embed("m-cache", EmbedFixture.Weights, EmbedFixture.Spec, fx.Real, Flat("synthetic-a"));
        string[] common = ["train", "--dataset", fx.Real, "--dataset", Flat("synthetic-a"), "--model", Student, "--loss", "cosface",
            "--epochs", "1", "--batch-size", "16", "--log-every", "1", "--threads", "1"];
        var run = fx.Dir.Combine("m-mixed");
        var r = ProcessRunner.Fairkd([.. common, "--cache", cache, "--loss-weight", "real=1,0.5", "--out", run]);
        Assert.True(r.ExitCode == 0, r.ToString());
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "model.json"))))
        {
            var w = config.RootElement.GetProperty("lossWeights").EnumerateArray().Select(e => e.GetProperty("dataset").GetString() + ":" +
                e.GetProperty("unlabelled").GetInt32() + ":" + e.GetProperty("margin").GetDouble() + ":" + e.GetProperty("kd").GetDouble()).ToList();
            Assert.Equal(["real:0:1:0.5", $"ua:{Images("synthetic-a")}:0:1"], w);
            Assert.Equal(16, config.RootElement.GetProperty("classes").GetInt32()); // the 16 labelled identities; the flat set adds none
        }

        Assert.All(File.ReadAllLines(Path.Combine(run, "train.jsonl")), l =>
        {
            var e = JsonDocument.Parse(l).RootElement;
            Assert.True(e.GetProperty("margin_loss").GetDouble() > 0 && e.GetProperty("kd_loss").GetDouble() > 0, l);
        });

        (string[] Args, string Message)[] bad =
        [
            ([.. common, "--out", fx.Dir.Combine("m-b1")], "train by KD only, give --cache"),
            ([.. common.Select(a => a == "cosface" ? "none" : a), "--out", fx.Dir.Combine("m-b2")], "--loss none trains by distillation alone"),
            ([.. common, "--cache", cache, "--loss-weight", "ua=1,1", "--out", fx.Dir.Combine("m-b3")], "cannot carry the margin loss"),
            ([.. common, "--cache", cache, "--loss-weight", "nope=1,1", "--out", fx.Dir.Combine("m-b4")], "no training dataset is called nope"),
            ([.. common, "--cache", cache, "--loss-weight", "real=1", "--out", fx.Dir.Combine("m-b5")], "expected NAME=MARGIN,KD"),
        ];
        foreach (var (args, message) in bad)
        {
            r = ProcessRunner.Fairkd(args);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
        }
    }
}
