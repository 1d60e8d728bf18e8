using System.Globalization;
using System.Text.Json;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

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

        // model.json records one provenance per session: 7 steps, then the rest; the config itself is unchanged by them.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(split, "model.json")));
        var sessions = json.RootElement.GetProperty("provenance").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Equal(7, sessions[0].GetProperty("counts").GetProperty("steps").GetInt64());
        Assert.Equal(a.Count, sessions.Sum(x => x.GetProperty("counts").GetProperty("steps").GetInt64()));
        Assert.All(sessions, x => Assert.Equal("train", x.GetProperty("stage").GetString()));
        Assert.Equal(Path.GetFullPath(Path.Combine(fx.Data, "real")),
            sessions[0].GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("role").GetString() == "images:real").GetProperty("path").GetString());
        for (var i = 0; i < a.Count; i++)
            Assert.True(Math.Abs(a[i].GetProperty("loss").GetDouble() - b[i].GetProperty("loss").GetDouble()) < 1e-5, $"step {i + 1}: {a[i]} vs {b[i]}");
    }

    private string Unaligned => $"unaligned={fx.Data}/unaligned:group/identity/image";

    private string UnalignedLandmarks => $"unaligned={fx.Data}/unaligned/landmarks.txt";

    private string Embed(string name, string weights, params string[] imaging)
    {
        var cache = fx.Dir.Combine(name);
        var e = ProcessRunner.Fairkd(["embed", "--dataset", Unaligned, .. imaging, "--teacher", EmbedFixture.Spec, "--weights", weights, "--ethnicity-from-folders", "--out", cache]);
        Assert.True(e.ExitCode == 0, e.ToString());
        return cache;
    }

    [Fact]
    public void Kd_on_unaligned_images_with_landmarks_trains_on_the_aligned_faces_the_teacher_saw()
    {
        var teacherWeights = CalibratedTeacher();
        var aligned = Embed("t-un-aligned", teacherWeights, "--landmarks", UnalignedLandmarks);
        var cropped = Embed("t-un-cropped", teacherWeights, "--unaligned", "center-crop");

        // The KD loss a teacher copy would show at step 1 if training saw centre crops while the cache holds the aligned
        // faces' embeddings: lambda x mean squared difference of the two caches' targets.
        var a = EmbedFixture.Rows(aligned).ToDictionary(r => r.Key);
        var c = EmbedFixture.Rows(cropped).ToDictionary(r => r.Key);
        Assert.Equal(16, a.Count);
        Assert.Equal(a.Keys.Order(), c.Keys.Order());
        var mismatch = 10000 * a.Values.Average(r => Enumerable.Range(0, r.E.Length).Average(j => Math.Pow(r.E[j] - c[r.Key].E[j], 2)));

        // one unflipped batch of all 16 images (the calibration batch); one TorchSharp thread, because with two this tiny
        // network's gradients come out NaN within two steps on the 2-core development machine (at the base commit too)
        string[] common = ["--model", EmbedFixture.Spec, "--cache", aligned, "--epochs", "1", "--batch-size", "16", "--log-every", "1", "--lr", "1e-9",
            "--max-steps", "1", "--no-flip", "--init-weights", teacherWeights, "--threads", "1"];
        var run = fx.Dir.Combine("t-un-kd");
        var r = ProcessRunner.Fairkd(["train", "--dataset", Unaligned, "--landmarks", UnalignedLandmarks, .. common, "--out", run]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var kd = Log(run).Single().GetProperty("kd_loss").GetDouble();
        Assert.True(kd < 0.01 * mismatch, $"KD loss of the teacher's copy on landmark-aligned images {kd} vs {mismatch} had it seen centre crops");
        Assert.Contains("landmarks.unaligned=", File.ReadAllText(Path.Combine(run, "model.json")), StringComparison.Ordinal);

        // The same from a manifest built on the cache: --data-root names the dataset the landmark file is given for.
        var release = fx.Dir.Combine("t-un-release");
        var recipe = fx.Dir.Combine("t-un-recipe.json");
        File.WriteAllText(recipe, TestRecipes.WithReleaseFields("""{"name":"u","kind":"synthetic","synthetic":["unaligned"]}"""));
        var m = ProcessRunner.Fairkd("manifest", "build", recipe, "--cache", aligned, "--out", release);
        Assert.True(m.ExitCode == 0, m.ToString());
        var fromManifest = fx.Dir.Combine("t-un-kd-manifest");
        r = ProcessRunner.Fairkd(["train", "--manifest", release, "--data-root", $"unaligned={fx.Data}/unaligned", "--landmarks", UnalignedLandmarks, .. common, "--out", fromManifest]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var kdManifest = Log(fromManifest).Single().GetProperty("kd_loss").GetDouble();

        // The card and model.json say what each run read: the recipe and the cache index, then the release, cache and landmarks by SHA-256.
        using (var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(release, "card.json"))))
        {
            var built = card.RootElement.GetProperty("provenance");
            Assert.Equal("manifest", built.GetProperty("stage").GetString());
            Assert.Equal(Sha(recipe), Input(built, "recipe").GetProperty("sha256").GetString());
            Assert.Equal(Sha(Path.Combine(aligned, "_cache.json")), Input(built, "cache").GetProperty("sha256").GetString());
            var counts = built.GetProperty("counts");
            Assert.Equal(counts.GetProperty("samplesRead").GetInt64(), counts.GetProperty("samplesKept").GetInt64());
        }

        using (var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(fromManifest, "model.json"))))
        {
            var session = model.RootElement.GetProperty("provenance").EnumerateArray().Single();
            Assert.Equal(Sha(Path.Combine(release, "samples.csv")), Input(session, "manifest:samples.csv").GetProperty("sha256").GetString());
            Assert.Equal(Sha(Path.Combine(aligned, "_cache.json")), Input(session, "cache").GetProperty("sha256").GetString());
            Assert.Equal(Sha(Path.Combine(fx.Data, "unaligned", "landmarks.txt")), Input(session, "landmarks:unaligned").GetProperty("sha256").GetString());
            Assert.Equal("folder", Input(session, "images:unaligned").GetProperty("kind").GetString());
        }

        Assert.True(kdManifest < 0.01 * mismatch, $"KD loss from the manifest {kdManifest} vs {mismatch}");

        // Without the landmarks both are refused before training, saying what to pass.
        foreach (var input in new[] { new[] { "--dataset", Unaligned }, ["--manifest", release, "--data-root", $"unaligned={fx.Data}/unaligned"] })
        {
            r = ProcessRunner.Fairkd(["train", .. input, .. common, "--out", fx.Dir.Combine("t-un-kd-none")]);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("was made with landmarks for dataset 'unaligned'", r.StdErr, StringComparison.Ordinal);
            Assert.Contains("pass --landmarks unaligned=FILE", r.StdErr, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The teacher of the KD test: the golden network with its BatchNorm running statistics set to those of the 16
    /// unaligned images aligned by their landmarks (one train-mode forward pass with momentum 1; no training steps). A
    /// train-mode copy of it on that batch then computes what the eval-mode teacher caches, so a student initialised
    /// from it has a KD loss of ~0 at step 1 exactly when it is shown those aligned faces.
    /// </summary>
    private string CalibratedTeacher()
    {
        var report = new ReaderReport();
        var landmarks = new Dictionary<string, LandmarkTable>(StringComparer.Ordinal)
        {
            ["unaligned"] = LandmarkFileReader.Read(Path.Combine(fx.Data, "unaligned", "landmarks.txt"), report),
        };
        using var loader = new FaceLoader(ImagingOptions.Default, landmarks);
        var faces = new ImageFolderReader(DatasetSpec.Parse(Unaligned), report).Enumerate()
            .Select(s => loader.LoadAsync(s).AsTask().GetAwaiter().GetResult().Result.Chw ?? throw new InvalidOperationException($"{s.Key} did not align"))
            .ToList();
        Assert.Equal(16, faces.Count);
        using var net = ModelRegistry.Create(ModelSpecText.Parse(EmbedFixture.Spec));
        ModelWeights.Load(net, EmbedFixture.Weights);
        foreach (var m in net.modules())
            if (m is TorchSharp.Modules.NormBase bn) bn.momentum = 1.0;
        net.train();
        using (TorchSharp.torch.no_grad())
        using (var x = TorchSharp.torch.tensor(faces.SelectMany(f => f).ToArray(), [faces.Count, 3, 112, 112]))
            net.forward(x).Dispose();
        net.eval();
        var path = fx.Dir.Combine("t-un-teacher.pth");
        ModelWeights.SavePyTorch(net, path);
        return path;
    }

    [Fact]
    public void A_cache_made_with_other_imaging_options_is_refused_naming_the_difference()
    {
        var cropped = Embed("t-im-cropped", EmbedFixture.Weights, "--unaligned", "center-crop");
        string[] common = ["train", "--dataset", Unaligned, "--model", EmbedFixture.Spec, "--cache", cropped, "--epochs", "1", "--batch-size", "8", "--max-steps", "1", "--threads", "1"];
        var r = ProcessRunner.Fairkd([.. common, "--unaligned", "reject", "--out", fx.Dir.Combine("t-im-reject")]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"--unaligned: the cache {cropped} was made with 'center-crop', this run has 'reject'", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fx.Dir.Combine("t-im-reject", "checkpoints")));

        r = ProcessRunner.Fairkd([.. common, "--landmarks", UnalignedLandmarks, "--out", fx.Dir.Combine("t-im-lmk")]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("was made without landmarks for dataset 'unaligned'", r.StdErr, StringComparison.Ordinal);

        r = ProcessRunner.Fairkd([.. common, "--landmarks", $"nosuch={fx.Data}/unaligned/landmarks.txt", "--out", fx.Dir.Combine("t-im-name")]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("no dataset named 'nosuch'", r.StdErr, StringComparison.Ordinal);

        // left unsaid, the policy is the cache's: the run trains on centre crops like the cached targets
        var ok = fx.Dir.Combine("t-im-ok");
        r = ProcessRunner.Fairkd([.. common, "--out", ok]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("unaligned=center-crop", File.ReadAllText(Path.Combine(ok, "model.json")), StringComparison.Ordinal);
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
    public void Several_teachers_give_the_weighted_mean_target_and_are_recorded()
    {
        // Teacher A: the committed tiny model; teacher B: a random network of the same shape after one step.
        var teacherB = fx.Dir.Combine("t-teacher-b");
        var t = ProcessRunner.Fairkd("train", "--dataset", fx.Real, "--model", EmbedFixture.Spec, "--epochs", "1", "--batch-size", "48", "--max-steps", "1",
            "--seed", "9", "--out", teacherB);
        Assert.True(t.ExitCode == 0, t.ToString());
        string Cache(string name, string weights)
        {
            var dir = fx.Dir.Combine(name);
            var e = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", weights, "--ethnicity-from-folders", "--out", dir);
            Assert.True(e.ExitCode == 0, e.ToString());
            return dir;
        }

        var cacheA = Cache("t-cache-a", EmbedFixture.Weights);
        var cacheB = Cache("t-cache-b", Path.Combine(teacherB, "backbone.pth"));

        // One step of the same student on the same batch (no flips, lr ~0), so the KD term is a function of the weights alone.
        string[] common = ["train", "--dataset", fx.Real, "--model", EmbedFixture.Spec, "--init-weights", EmbedFixture.Weights, "--epochs", "1",
            "--batch-size", "48", "--no-flip", "--log-every", "1", "--lr", "1e-9", "--max-steps", "1"];
        double Kd(string name, params string[] caches)
        {
            var run = fx.Dir.Combine(name);
            var r = ProcessRunner.Fairkd([.. common, .. caches, "--out", run]);
            Assert.True(r.ExitCode == 0, r.ToString());
            return Log(run).Single().GetProperty("kd_loss").GetDouble();
        }

        var onlyA = Kd("t-kd-a", "--cache", cacheA);
        var onlyB = Kd("t-kd-b", "--cache", cacheB);
        double Mixed(double wB) => Kd($"t-kd-w{wB}", "--cache", cacheA, "--cache", cacheB, "--kd-weights",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{1 - wB},{wB}"));
        var (f0, fQuarter, fHalf, f1) = (Mixed(0), Mixed(0.25), Mixed(0.5), Mixed(1));

        // The weights select the teachers: all of A is A's target, all of B is B's.
        Assert.Equal(onlyA, f0, 6);
        Assert.Equal(onlyB, f1, 6);
        Assert.True(Math.Abs(onlyA - onlyB) > 0.1 * onlyA, $"the two teachers must differ ({onlyA} vs {onlyB})");

        // The target is the weighted mean: |s - (1-w) tA - w tB|^2 is a quadratic in w, so the value at 1/4 follows from 0, 1/2 and 1.
        var predicted = f0 + (0.25 * ((-3 * f0) + (4 * fHalf) - f1)) + (0.0625 * ((2 * f0) - (4 * fHalf) + (2 * f1)));
        Assert.True(Math.Abs(fQuarter - predicted) <= 1e-3 * Math.Max(fQuarter, 1e-6), $"KD at w=1/4 {fQuarter}, quadratic through 0, 1/2, 1 gives {predicted}");
        Assert.True(fHalf < Math.Max(f0, f1), $"the mean target is nearer than the farther teacher ({fHalf} vs {f0}, {f1})");

        // The run records both teachers and their weights; weights that do not fit are refused before training.
        var model = File.ReadAllText(fx.Dir.Combine("t-kd-w0.25", "model.json"));
        Assert.Contains("\"kdTeachers\"", model, StringComparison.Ordinal);
        Assert.Contains("0.75 x " + cacheA, model, StringComparison.Ordinal);
        Assert.Contains("0.25 x " + cacheB, model, StringComparison.Ordinal);
        foreach (var (args, message) in new (string[] Args, string Message)[]
        {
            (["--cache", cacheA, "--kd-weights", "1"], "give two or more --cache folders"),
            (["--cache", cacheA, "--cache", cacheB, "--kd-weights", "0.5"], "1 weights for 2 caches"),
            (["--cache", cacheA, "--cache", cacheB, "--kd-weights", "0.5,x"], "'x' is not a number"),
            (["--cache", cacheA, "--cache", cacheB, "--kd-weights", "0,0"], "at least one weight must be > 0"),
        })
        {
            var r = ProcessRunner.Fairkd([.. common, .. args, "--out", fx.Dir.Combine("t-kd-bad")]);
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
        }
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

    private static string Sha(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private static JsonElement Input(JsonElement provenance, string role) =>
        provenance.GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("role").GetString() == role);
}
