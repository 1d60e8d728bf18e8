using System.Globalization;
using System.Text.Json;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd train` on tiny demo data: learning, KD from a cache, resume equivalence, the ethnicity classifier, refusals.</summary>
public class TrainCommandTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private static List<JsonElement> Log(string run) =>
        File.ReadAllLines(Path.Combine(run, "train.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static double Mean(IEnumerable<JsonElement> rows, string field) => rows.Average(r => r.GetProperty(field).GetDouble());

    [Fact]
    public void Loss_falls_and_a_rerun_is_a_no_op()
    {
        var run = fx.Dir.Combine("t-learn");
        string[] args = ["train", "--dataset", fx.Real, "--model", "iresnet18:width=0.0625,emb=32", "--loss", "cosface", "--epochs", "40",
            "--batch-size", "16", "--lr", "0.5", "--milestones", "30", "--log-every", "1", "--seed", "3", "--out", run];
        var r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        var log = Log(run);
        Assert.Equal(120, log.Count);
        var first = Mean(log.Take(10), "loss");
        var last = Mean(log.TakeLast(10), "loss");
        Assert.True(last < 0.6 * first, $"loss {first:F3} -> {last:F3}");
        foreach (var f in new[] { "backbone.pth", "model.json", "train-summary.json" }) Assert.True(File.Exists(Path.Combine(run, f)), f);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "tensorboard")));

        r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nothing to do", r.StdOut, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd([.. args.Select(a => a == "cosface" ? "arcface" : a)]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("another configuration", r.StdErr, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(run, "model.json"), "{ broken");
        r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is not a FairKd run config", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Resumed_run_continues_with_the_uninterrupted_runs_losses()
    {
        string[] common = ["train", "--dataset", fx.Real, "--model", "iresnet18:width=0.03125,emb=16", "--loss", "elasticarcface",
            "--epochs", "3", "--batch-size", "8", "--log-every", "1", "--seed", "4", "--workers", "2"];
        var full = fx.Dir.Combine("t-full");
        Assert.Equal(0, ProcessRunner.Fairkd([.. common, "--out", full]).ExitCode);
        var split = fx.Dir.Combine("t-split");
        var r = ProcessRunner.Fairkd([.. common, "--out", split, "--max-steps", "7"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = ProcessRunner.Fairkd([.. common, "--out", split]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--resume", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd([.. common, "--out", split, "--resume"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("resuming", r.StdOut, StringComparison.Ordinal);
        var a = Log(full);
        var b = Log(split);
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
            Assert.True(Math.Abs(a[i].GetProperty("loss").GetDouble() - b[i].GetProperty("loss").GetDouble()) < 1e-5, $"step {i + 1}: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void Kd_from_a_cache_a_copy_of_the_teacher_starts_near_zero_and_missing_keys_are_refused()
    {
        // A teacher trained briefly on the data, so its BatchNorm running statistics describe the data (a train-mode copy then
        // computes nearly what the eval-mode teacher cached).
        var teacherRun = fx.Dir.Combine("t-teacher");
        var t = ProcessRunner.Fairkd("train", "--dataset", fx.Real, "--model", EmbedFixture.Spec, "--epochs", "20", "--batch-size", "16", "--out", teacherRun);
        Assert.True(t.ExitCode == 0, t.ToString());
        var teacherWeights = Path.Combine(teacherRun, "backbone.pth");
        var cache = fx.Dir.Combine("t-cache");
        var e = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", teacherWeights, "--ethnicity-from-folders", "--out", cache);
        Assert.True(e.ExitCode == 0, e.ToString());
        string[] common = ["train", "--dataset", fx.Real, "--model", EmbedFixture.Spec, "--cache", cache, "--epochs", "1", "--batch-size", "48",
            "--log-every", "1", "--lr", "1e-9", "--max-steps", "1"];
        var copy = fx.Dir.Combine("t-kd-copy");
        var r = ProcessRunner.Fairkd([.. common, "--init-weights", teacherWeights, "--out", copy]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var scratch = fx.Dir.Combine("t-kd-scratch");
        r = ProcessRunner.Fairkd([.. common, "--out", scratch]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var kdCopy = Mean(Log(copy), "kd_loss");
        var kdScratch = Mean(Log(scratch), "kd_loss");
        Assert.True(kdCopy < 0.1 * kdScratch, $"KD loss of the teacher's copy {kdCopy} vs a random student {kdScratch}");

        // the cosine KD term (1 - cos): also near zero for the copy, and a different quantity from the MSE term
        var copyCos = fx.Dir.Combine("t-kd-copy-cos");
        r = ProcessRunner.Fairkd([.. common, "--kd", "cosine", "--init-weights", teacherWeights, "--out", copyCos]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var scratchCos = fx.Dir.Combine("t-kd-scratch-cos");
        r = ProcessRunner.Fairkd([.. common, "--kd", "cosine", "--out", scratchCos]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var cosCopy = Mean(Log(copyCos), "kd_loss");
        var cosScratch = Mean(Log(scratchCos), "kd_loss");
        Assert.True(cosCopy < 0.1 * cosScratch, $"cosine KD loss of the teacher's copy {cosCopy} vs a random student {cosScratch}");
        Assert.True(Math.Abs(cosScratch - kdScratch) > 1e-3 * kdScratch, $"--kd cosine logged the MSE value ({cosScratch} vs {kdScratch})");
        Assert.Contains("cosine", File.ReadAllText(Path.Combine(scratchCos, "model.json")), StringComparison.OrdinalIgnoreCase);

        r = ProcessRunner.Fairkd("train", "--dataset", fx.Real, "--dataset", $"syn={fx.Data}/synthetic-a", "--model", EmbedFixture.Spec,
            "--cache", cache, "--out", fx.Dir.Combine("t-kd-missing"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("are not in the cache", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_target_writes_a_classifier_that_embed_can_use()
    {
        var run = fx.Dir.Combine("t-eth");
        var r = ProcessRunner.Fairkd("train", "--dataset", fx.Real, "--model", "iresnet18:width=0.03125", "--target", "group", "--epochs", "2",
            "--batch-size", "16", "--out", run);
        Assert.True(r.ExitCode == 0, r.ToString());
        using (var c = TorchEthnicityClassifier.Create(ModelSpecText.Parse("iresnet18:width=0.03125"), Path.Combine(run, "classifier.pth")))
            Assert.Equal(112, c.InputSize);
        var cache = fx.Dir.Combine("t-eth-cache");
        r = ProcessRunner.Fairkd("embed", "--dataset", $"syn={fx.Data}/synthetic-a", "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--ethnicity-model", "iresnet18:width=0.03125", "--ethnicity-weights", Path.Combine(run, "classifier.pth"), "--out", cache);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.All(EmbedFixture.Rows(cache), x => Assert.Equal(1.0, x.P.Sum(), 4));

        r = ProcessRunner.Fairkd("train", "--dataset", $"syn={fx.Data}/synthetic-a", "--model", "iresnet18:width=0.03125", "--target", "group", "--out", fx.Dir.Combine("t-eth-bad"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("have no group", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_training_with_a_checkpoint_and_exit_130_then_resume_continues()
    {
        var run = fx.Dir.Combine("t-sigterm");
        string[] args = ["train", "--dataset", fx.Real, "--model", "iresnet18:width=0.03125", "--epochs", "500", "--batch-size", "8", "--out", run];
        var (p, stderr) = ProcessRunner.StartFairkd(args);
        using var owned = p;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var checkpoints = Path.Combine(run, "checkpoints");
        while (!(Directory.Exists(checkpoints) && Directory.EnumerateDirectories(checkpoints).Any()) && clock.Elapsed < TimeSpan.FromMinutes(2) && !p.HasExited)
            await Task.Delay(100);
        Assert.False(p.HasExited, "training ended before the signal");
        Assert.True(ProcessRunner.Terminate(p), "SIGTERM could not be sent");
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "SIGTERM did not stop the run");
        Assert.Equal(130, p.ExitCode);
        Assert.Contains("interrupted", await stderr, StringComparison.Ordinal);
        var r = ProcessRunner.Fairkd([.. args, "--resume", "--max-steps", "40"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("resuming", r.StdOut, StringComparison.Ordinal);
        Assert.InRange(Directory.GetDirectories(checkpoints).Length, 1, 3); // --keep-checkpoints default 3 (one per epoch written)
    }

    [Theory]
    [InlineData(new[] { "--model", "iresnet18" }, "either --manifest")]
    [InlineData(new[] { "--dataset", "D", "--model", "iresnet18", "--loss", "magic" }, "--loss magic")]
    [InlineData(new[] { "--dataset", "D", "--model", "iresnet18", "--target", "race" }, "--target race")]
    [InlineData(new[] { "--dataset", "D", "--model", "iresnet18", "--milestones", "3,x" }, "'x' is not a positive epoch")]
    [InlineData(new[] { "--dataset", "D", "--model", "iresnet18", "--batch-size", "1000" }, "make no batch")]
    [InlineData(new[] { "--dataset", "D" }, "--model SPEC is required")]
    [InlineData(new[] { "--manifest", "/nonexistent", "--model", "iresnet18" }, "not found")]
    public void Bad_arguments_exit_two(string[] args, string message)
    {
        var r = ProcessRunner.Fairkd(["train", .. args.Select(a => a == "D" ? fx.Real : a), "--out", fx.Dir.Combine("t-bad-" + message.Length.ToString(CultureInfo.InvariantCulture))]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
    }
}
