using System.Globalization;
using System.Text.Json;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// Model selection off the test set: `fairkd train --val-split P --select best-val` validates every epoch on held-out training
/// identities and exports the best epoch; `fairkd eval --run DIR` evaluates every checkpoint into a curve and applies a named
/// rule, of which only the study's (test-rfw-average) looks at the test set, and the report flags it.
/// </summary>
public sealed class ModelSelectionTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private string[] Train(string run, params string[] extra) =>
    [
        "train", "--dataset", fx.Real, "--model", "iresnet18:width=0.0625,emb=32", "--loss", "cosface", "--epochs", "3", "--batch-size", "16",
        "--lr", "0.5", "--seed", "3", "--workers", "2", "--val-split", "0.3", "--select", "best-val", "--keep-checkpoints", "0", "--out", run, .. extra,
    ];

    private string[] Sets => ["--rfw", Path.Combine(fx.Data, "rfw"), "--lfw", $"lfw={fx.Data}/lfw/pairs.txt:{fx.Data}/lfw", "--bootstrap", "0"];

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    /// <summary>The last validation record of every checkpoint in train.jsonl, in order of first appearance.</summary>
    private static List<(string Checkpoint, double Accuracy)> ValRecords(string run) =>
        File.ReadAllLines(Path.Combine(run, "train.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("kind").GetString() == "val")
            .GroupBy(r => r.GetProperty("checkpoint").GetString()!)
            .Select(g => (g.Key, g.Last().GetProperty("accuracy").GetDouble())).ToList();

    private static string Sha(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private static void Ok(ProcessRunner.Result r) => Assert.True(r.ExitCode == 0, r.ToString());

    [Fact]
    public void Val_split_exports_the_best_epoch_and_eval_run_draws_the_curve_and_flags_selection_on_the_test_set()
    {
        var run = fx.Dir.Combine("sel-full");
        Ok(ProcessRunner.Fairkd(Train(run)));

        // the held-out identities left training: 48 images of 16 identities, round(0.3 x 4) = 1 identity (3 images) per group held out
        var model = Json(Path.Combine(run, "model.json"));
        var validation = model.GetProperty("validation");
        Assert.Equal(4, validation.GetProperty("identities").GetInt32());
        Assert.Equal(12, validation.GetProperty("images").GetInt32());
        Assert.Equal(36, model.GetProperty("samples").GetInt32());
        Assert.Equal(12, model.GetProperty("classes").GetInt32());
        Assert.Equal(5, File.ReadAllLines(Path.Combine(run, "validation", "identities.csv")).Length);
        Assert.Equal("best-val", model.GetProperty("select").GetString());

        // every epoch validated once; backbone.pth is the best epoch's weights, as model.json says
        var val = ValRecords(run);
        Assert.Equal(3, val.Count);
        var best = val.OrderByDescending(v => v.Accuracy).First(); // earlier on ties: OrderByDescending is stable
        var selected = model.GetProperty("selected");
        Assert.Equal("best-val", selected.GetProperty("rule").GetString());
        Assert.Equal(best.Checkpoint, selected.GetProperty("checkpoint").GetString());
        Assert.Equal(best.Accuracy, selected.GetProperty("valAccuracy").GetDouble());
        Assert.Equal(Sha(Path.Combine(run, "checkpoints", best.Checkpoint, "backbone.pth")), Sha(Path.Combine(run, "backbone.pth")));

        // eval --run: one row per checkpoint with the run's validation beside the test sets; best-val picks the same checkpoint,
        // and its numbers are those of backbone.pth evaluated directly
        var ev = fx.Dir.Combine("sel-eval");
        Ok(ProcessRunner.Fairkd(["eval", "--run", run, .. Sets, "--select", "best-val", "--out", ev]));
        var curve = File.ReadAllLines(Path.Combine(ev, "curve.csv"));
        Assert.Equal(4, curve.Length);
        Assert.StartsWith("checkpoint,epoch,global_step,val_accuracy,RFW-African", curve[0], StringComparison.Ordinal);
        Assert.Equal(val.Select(v => (100 * v.Accuracy).ToString("F2", CultureInfo.InvariantCulture)), curve.Skip(1).Select(l => l.Split(',')[3]));
        var chosen = Json(Path.Combine(ev, "eval.json"));
        Assert.Equal(best.Checkpoint, chosen.GetProperty("selection").GetProperty("checkpoint").GetString());
        Assert.False(chosen.GetProperty("selection").GetProperty("onTestSet").GetBoolean());
        var direct = fx.Dir.Combine("sel-direct");
        Ok(ProcessRunner.Fairkd(["eval", "--model", "iresnet18:width=0.0625,emb=32", "--weights", Path.Combine(run, "backbone.pth"), .. Sets, "--out", direct]));
        Assert.Equal(Json(Path.Combine(direct, "eval.json")).GetProperty("rfw").GetProperty("average").GetDouble(),
            chosen.GetProperty("rfw").GetProperty("average").GetDouble());
        Assert.Equal(File.ReadAllBytes(Path.Combine(direct, "scores.csv")), File.ReadAllBytes(Path.Combine(ev, "scores.csv")));

        // the study's rule: the best RFW average of the curve, recorded as selection on the test set; the checkpoints are not
        // evaluated again; the report warns
        var study = fx.Dir.Combine("sel-study");
        foreach (var c in Directory.GetDirectories(Path.Combine(ev, "checkpoints")))
            CopyDir(c, Path.Combine(study, "checkpoints", Path.GetFileName(c)));
        var broken = Path.Combine(study, "checkpoints", val[0].Checkpoint, "eval.json");
        File.WriteAllText(broken, "{ not json"); // a broken result is evaluated again, not trusted and not a crash
        var r = ProcessRunner.Fairkd(["eval", "--run", run, .. Sets, "--select", "test-rfw-average", "--out", study]);
        Ok(r);
        Assert.Equal(2, r.StdOut.Split('\n').Count(l => l.Contains("already evaluated", StringComparison.Ordinal)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(ev, "checkpoints", val[0].Checkpoint, "scores.csv")),
            File.ReadAllBytes(Path.Combine(study, "checkpoints", val[0].Checkpoint, "scores.csv")));
        Assert.Contains("on the test set", r.StdErr, StringComparison.Ordinal);
        var averages = curve.Skip(1).Select(l => l.Split(',')).Select(f => (Name: f[0], Avg: double.Parse(f[^3], CultureInfo.InvariantCulture))).ToList();
        var studyPick = Json(Path.Combine(study, "eval.json")).GetProperty("selection");
        Assert.Equal(averages.OrderByDescending(a => a.Avg).First().Name, studyPick.GetProperty("checkpoint").GetString());
        Assert.True(studyPick.GetProperty("onTestSet").GetBoolean());
        // --checkpoints by name: only those, oldest first; a name the run does not have is refused with the ones it has
        var one = fx.Dir.Combine("sel-one");
        Ok(ProcessRunner.Fairkd(["eval", "--run", run, .. Sets, "--checkpoints", val[1].Checkpoint, "--out", one]));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(one, "curve.csv")).Length);
        Assert.False(File.Exists(Path.Combine(one, "eval.json"))); // no --select: the curve only
        r = ProcessRunner.Fairkd(["eval", "--run", run, .. Sets, "--checkpoints", $"{val[0].Checkpoint},epoch-999", "--out", one]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"has no checkpoint epoch-999 (it has {string.Join(", ", val.Select(v => v.Checkpoint))})", r.StdErr, StringComparison.Ordinal);

        // a broken validation record is named, with what to do, not a stack trace
        var record = Path.Combine(run, "validation", val[2].Checkpoint + ".json");
        var saved = File.ReadAllText(record);
        File.WriteAllText(record, "[1, 2");
        r = ProcessRunner.Fairkd(["eval", "--run", run, .. Sets, "--select", "best-val", "--out", one]);
        File.WriteAllText(record, saved);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("malformed validation record", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);

        var report = fx.Dir.Combine("sel-report");
        Ok(ProcessRunner.Fairkd(["report", ev, study, "--out", report, "--bootstrap", "0"]));
        var md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("> **Warning:** sel-study: checkpoint chosen on the test set", md, StringComparison.Ordinal);
        Assert.Contains("| sel-eval | best-val |", md, StringComparison.Ordinal);
        Assert.Contains("| sel-study | test-rfw-average |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resumed_run_validates_the_same_epochs_and_selects_the_same_weights_as_an_uninterrupted_one()
    {
        var full = fx.Dir.Combine("sel-resume-full");
        Ok(ProcessRunner.Fairkd(Train(full)));
        var split = fx.Dir.Combine("sel-resume-split");
        Ok(ProcessRunner.Fairkd(Train(split, "--max-steps", "2")));

        // stopped right after epoch 0 was saved but before it was validated: the resumed run validates it first
        var first = Directory.GetFiles(Path.Combine(split, "validation"), "epoch-*.json").Single();
        File.Delete(first);
        var r = ProcessRunner.Fairkd(Train(split, "--resume"));
        Ok(r);
        Assert.Contains($"validation after epoch 0 ({Path.GetFileNameWithoutExtension(first)})", r.StdOut, StringComparison.Ordinal);

        Assert.Equal(ValRecords(full), ValRecords(split));
        Assert.Equal(Json(Path.Combine(full, "model.json")).GetProperty("selected").ToString(), Json(Path.Combine(split, "model.json")).GetProperty("selected").ToString());
        Assert.Equal(Sha(Path.Combine(full, "backbone.pth")), Sha(Path.Combine(split, "backbone.pth")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "validation", "pairs.csv")), File.ReadAllBytes(Path.Combine(split, "validation", "pairs.csv")));
    }

    [Fact]
    public void Selection_options_that_cannot_apply_are_refused_with_what_to_give()
    {
        var run = fx.Dir.Combine("sel-bad");
        var r = ProcessRunner.Fairkd([.. Train(run).Where((_, i) => i is not (17 or 18))]); // --select best-val without --val-split
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("give --val-split P", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd([.. Train(run).Select(a => a == "0.3" ? "0.9" : a)]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("in (0, 0.5]", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd([.. Train(run), "--target", "group"]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--target group", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd(["eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, .. Sets, "--select", "last", "--out", run]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("give --run DIR", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd(["eval", "--run", fx.Dir.Combine("no-such-run"), .. Sets, "--out", run]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("folder not found", r.StdErr, StringComparison.Ordinal);
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}
