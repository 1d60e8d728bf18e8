using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Core.Records;
using FairKd.Data.Eval;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd eval` on tiny demo data (RFW layout, LFW pairs, .bin packs) with the committed tiny model; `fairkd report` over runs.</summary>
public class EvalCommandTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private string Lfw => $"lfw={fx.Data}/lfw/pairs.txt:{fx.Data}/lfw";

    [Fact]
    public void Model_eval_writes_eval_json_matching_a_direct_computation()
    {
        var run = fx.Dir.Combine("v-model");
        var r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--rfw", Path.Combine(fx.Data, "rfw"),
            "--lfw", Lfw, "--out", run, "--batch-size", "5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("RFW: African", r.StdOut, StringComparison.Ordinal);
        var result = EvalJson.Read(Path.Combine(run, "eval.json"));
        Assert.Equal(["RFW-African", "RFW-Asian", "RFW-Caucasian", "RFW-Indian", "lfw"], result.Sets.Select(s => s.Name));
        Assert.NotNull(result.Rfw);
        Assert.Equal(result.Sets.Take(4).Average(s => 100 * s.AccuracyMean), result.Rfw!.Average, 9);
        Assert.Equal(64, result.Model.Fingerprint.Length);
        // the one preprocessing line every stage records: options, and each landmark file read with its SHA-256
        var lmk = Path.Combine(fx.Data, "rfw", "test", "txts", "African", "African_lmk.txt");
        Assert.Equal(FairKd.Data.Imaging.PreprocessingRecord.For(ImagingOptions.Default,
            [.. FairKd.Core.Records.EthnicGroups.Order.Select(g => FairKd.Data.Imaging.LandmarkSource.Of($"RFW-{g}", lmk.Replace("African", g, StringComparison.Ordinal)))]).CanonicalLine(),
            result.Preprocessing);

        // The lfw set recomputed here: embed every pair image (image + mirror), fuse, score.
        var pairs = NamedPairsReader.ReadLfw(Path.Combine(fx.Data, "lfw", "pairs.txt"), new ReaderReport());
        using var model = TorchFaceEmbedder.Create(ModelSpecText.Parse(EmbedFixture.Spec), EmbedFixture.Weights);
        var pre = new FacePreprocessor(ImagingOptions.Default);
        var rows = new float[pairs.Count * 2 * 16];
        var k = 0;
        foreach (var path in pairs.SelectMany(p => new[] { p.PathA, p.PathB }))
        {
            var chw = pre.Process(File.ReadAllBytes(Path.Combine(fx.Data, "lfw", path)), null).Chw!;
            var flipped = new float[chw.Length];
            FairKd.Core.Tensors.Chw.FlipHorizontal(chw, flipped, 3, 112, 112);
            var a = new float[16];
            var b = new float[16];
            model.Embed(chw, 1, a);
            model.Embed(flipped, 1, b);
            VerificationScorer.CombineFlip(a, b, rows.AsSpan(k++ * 16, 16));
        }

        var expected = VerificationScorer.ScoreEmbeddings(rows, 16, pairs.Select(p => p.Same).ToArray());
        var lfw = result.Sets.Single(s => s.Name == "lfw");
        Assert.Equal(expected.AccuracyMean, lfw.AccuracyMean, 9);
        Assert.Equal(expected.Folds.Select(f => f.BestThreshold), lfw.BestThresholds);
        Assert.Equal(0, lfw.DroppedPairs);

        // scores.csv: every scored pair with its identities and fold; the lfw distances are the ones computed here (up to float32 batching).
        var scores = ScoresCsv.Read(Path.Combine(run, ScoresCsv.FileName));
        Assert.Equal(result.Sets.Sum(s => s.Pairs), scores.Count);
        var lfwScores = scores.Where(p => p.Set == "lfw").ToList();
        var distances = VerificationScorer.PairDistances(rows, 16);
        Assert.Equal(Enumerable.Range(0, pairs.Count), lfwScores.Select(p => p.PairId));
        for (var i = 0; i < pairs.Count; i++)
        {
            Assert.True(Math.Abs(distances[i] - lfwScores[i].Distance) < 1e-4, $"pair {i}: {lfwScores[i].Distance} vs {distances[i]}"); // batch vs single-image float32
            Assert.Equal((PairIdentity.Of(pairs[i].PathA), PairIdentity.Of(pairs[i].PathB)), (lfwScores[i].IdentityA, lfwScores[i].IdentityB));
            Assert.Equal(VerificationFolds.FoldOf(i, pairs.Count), lfwScores[i].Fold);
        }

        // Counts and the default identity bootstrap (1000 resamples, seed 1) on every set and RFW statistic.
        Assert.Equal(2, result.SchemaVersion);
        Assert.Equal(new BootstrapInfo(1000, 1, 0.95, BootstrapInfo.Description), result.Protocol.Bootstrap);
        Assert.Equal(pairs.SelectMany(p => new[] { PairIdentity.Of(p.PathA), PairIdentity.Of(p.PathB) }).Distinct().Count(), lfw.Identities);
        Assert.NotNull(lfw.AccuracyInterval!.Lower);
        var african = NamedPairsReader.ReadRfw(Path.Combine(fx.Data, "rfw", "test", "txts", "African", "African_pairs.txt"), new ReaderReport());
        var group = result.Rfw!.Groups[0];
        Assert.Equal(("African", african.Count(p => p.Same), african.Count(p => !p.Same)), (group.Group, group.GenuinePairs!.Value, group.ImpostorPairs!.Value));
        Assert.Equal(african.SelectMany(p => new[] { PairIdentity.Of(p.PathA), PairIdentity.Of(p.PathB) }).Distinct().Count(), group.Identities);
        Assert.All(result.Rfw.Groups, g => Assert.NotNull(g.Interval!.Lower));
        Assert.NotNull(result.Rfw.AverageInterval!.Lower);
        Assert.Equal([1e-3, 1e-4], result.Rfw.OperatingPoints.Select(p => p.TargetFmr));
        var pooled = result.Sets.Where(s => s.Kind == TargetSetKind.RfwGroup).Sum(s => s.ImpostorPairs);
        Assert.Equal($"needs ≥ 1000 impostor pairs (has {pooled})", result.Rfw.OperatingPoints[0].NullReason);
        Assert.Contains($"RFW operating point FMR 1e-3: n/a (needs ≥ 1000 impostor pairs (has {pooled}))", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("TAR@FAR=1e-3 n/a (needs ≥ 1000 impostor pairs per training split", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_seed_and_fmr_options_are_recorded_and_outputs_are_byte_identical_on_a_rerun()
    {
        string[] Args(string run, params string[] extra) =>
            ["eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--rfw", Path.Combine(fx.Data, "rfw"), "--out", run, .. extra];
        var first = fx.Dir.Combine("b-1");
        var second = fx.Dir.Combine("b-2");
        var r = ProcessRunner.Fairkd(Args(first, "--bootstrap", "200", "--seed", "3", "--fmr", "0.05,0.5"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, ProcessRunner.Fairkd(Args(second, "--bootstrap", "200", "--seed", "3", "--fmr", "0.05,0.5")).ExitCode);
        Assert.True(File.ReadAllBytes(Path.Combine(first, ScoresCsv.FileName)).SequenceEqual(File.ReadAllBytes(Path.Combine(second, ScoresCsv.FileName))));
        var result = EvalJson.Read(Path.Combine(first, "eval.json"));
        var rerun = EvalJson.Read(Path.Combine(second, "eval.json"));

        // eval.json is the same but for the run's own provenance fields (host, start, wall time, throughput): inputs and counts agree.
        Assert.Equal(EvalJson.Serialize(result with { Provenance = null }), EvalJson.Serialize(rerun with { Provenance = null }));
        var (p1, p2) = (result.Provenance!, rerun.Provenance!);
        Assert.Equal(JsonSerializer.Serialize(p1 with { StartedUtc = default, WallSeconds = 0, Throughput = null }),
            JsonSerializer.Serialize(p2 with { StartedUtc = default, WallSeconds = 0, Throughput = null }));
        Assert.Equal(("eval", RunProvenance.CurrentSchema), (p1.Stage, p1.Schema));
        Assert.Equal(RunProvenance.BuildVersion().Commit, p1.Commit);
        Assert.NotNull(p1.Commit);
        Assert.Equal(Environment.ProcessorCount, p1.Host.LogicalCores);
        Assert.True(p1.WallSeconds > 0 && p1.Throughput!.PerSecond > 0 && p1.Throughput.Unit == "images");
        foreach (var race in new[] { "African", "Asian", "Caucasian", "Indian" })
        {
            var pairs = Path.Combine(fx.Data, "rfw", "test", "txts", race, $"{race}_pairs.txt");
            var input = p1.Inputs.Single(i => i.Role == $"pairs:RFW-{race}");
            Assert.Equal((Path.GetFullPath(pairs), "file", Sha256(pairs), new FileInfo(pairs).Length), (input.Path, input.Kind, input.Sha256, input.Bytes!.Value));
            Assert.Equal(Sha256(Path.Combine(fx.Data, "rfw", "test", "txts", race, $"{race}_lmk.txt")), p1.Inputs.Single(i => i.Role == $"landmarks:RFW-{race}").Sha256);
            Assert.Equal("folder", p1.Inputs.Single(i => i.Role == $"images:RFW-{race}").Kind);
        }

        Assert.Equal(Sha256(EmbedFixture.Weights), p1.Inputs.Single(i => i.Role == "weights").Sha256);
        Assert.Equal(result.Sets.Sum(s => s.Pairs), p1.Counts["pairsScored"]);
        Assert.Equal(p1.Counts["images"], p1.Counts["imagesEmbedded"]);
        Assert.Equal(p1.Counts["images"], p1.Counts["alignedByLandmarks"] + p1.Counts.GetValueOrDefault("passedThrough112"));
        Assert.Equal(p1.Counts["alignedByLandmarks"], p1.Counts["imagesMatchedToLandmarks"]);
        Assert.Empty(p1.Reasons);
        Assert.Equal((200, 3UL), (result.Protocol.Bootstrap!.Resamples, result.Protocol.Bootstrap.Seed));
        Assert.Equal([0.05, 0.5], result.Protocol.FmrTargets);
        var point = result.Rfw!.OperatingPoints[0];
        Assert.NotNull(point.Result);
        Assert.Equal(point.Result.Groups.Sum(g => g.FalseMatches!.Value), (int)Math.Round(point.Result.PooledFar * point.ImpostorPairs));
        Assert.Contains("RFW operating point FMR 0.05: threshold ", r.StdOut, StringComparison.Ordinal);

        // The intervals of eval.json are what a reviewer recomputes from scores.csv alone.
        var scores = ScoresCsv.Read(Path.Combine(first, ScoresCsv.FileName));
        var again = EvalEvidence.Attach(result, scores, new BootstrapOptions { Resamples = 200, Seed = 3 });
        Assert.Equal(EvalJson.Serialize(result), EvalJson.Serialize(again));

        var off = fx.Dir.Combine("b-off");
        Assert.Equal(0, ProcessRunner.Fairkd(Args(off, "--bootstrap", "0")).ExitCode);
        var plain = EvalJson.Read(Path.Combine(off, "eval.json"));
        Assert.Null(plain.Protocol.Bootstrap);
        Assert.All(plain.Sets, s => Assert.Equal((null, EvalEvidence.BootstrapOff), (s.AccuracyInterval, s.IntervalNote)));
        Assert.Null(plain.Rfw!.AverageInterval);
        Assert.NotNull(plain.Sets[0].Identities);
    }

    [Fact]
    public void Onnx_and_cache_evaluations_agree_with_the_model()
    {
        var byModel = fx.Dir.Combine("v-m");
        var byOnnx = fx.Dir.Combine("v-o");
        var byCache = fx.Dir.Combine("v-c");
        Assert.Equal(0, ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--lfw", Lfw, "--out", byModel).ExitCode);
        var r = ProcessRunner.Fairkd("eval", "--onnx", EmbedFixture.Onnx, "--lfw", Lfw, "--out", byOnnx);
        Assert.True(r.ExitCode == 0, r.ToString());
        var cache = fx.Dir.Combine("v-cache");
        r = ProcessRunner.Fairkd("embed", "--dataset", $"lfw={fx.Data}/lfw", "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--no-ethnicity", "--out", cache);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = ProcessRunner.Fairkd("eval", "--cache", cache, "--lfw", Lfw, "--out", byCache);
        Assert.True(r.ExitCode == 0, r.ToString());
        var m = EvalJson.Read(Path.Combine(byModel, "eval.json")).Sets[0];
        foreach (var other in new[] { byOnnx, byCache })
        {
            var o = EvalJson.Read(Path.Combine(other, "eval.json")).Sets[0];
            Assert.Equal(m.Pairs, o.Pairs);
            Assert.Equal(m.AccuracyMean, o.AccuracyMean, 6);
            Assert.Equal(m.Auc!.Value, o.Auc!.Value, 4);
        }
    }

    [Fact]
    public void Packs_are_evaluated_and_hostile_packs_refused()
    {
        // A protocol-4 pack of 112x112 JPEGs written by Python (tests/golden/eval/make_packs.py, packs.json "aligned112").
        var golden = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("eval/packs/packs.json"))).RootElement.GetProperty("aligned112");
        var pack = RepoPaths.Golden($"eval/packs/{golden.GetProperty("pack").GetString()}.bin");
        var r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--bin", $"tinypack={pack}", "--out", fx.Dir.Combine("v-bin"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var set = EvalJson.Read(fx.Dir.Combine("v-bin", "eval.json")).Sets.Single();
        Assert.Equal(golden.GetProperty("pairs").GetInt32(), set.Pairs);
        Assert.Equal(golden.GetProperty("issame").EnumerateArray().Count(e => e.GetBoolean()), set.GenuinePairs);
        Assert.Equal(0, set.DroppedPairs);
        Assert.True(set.Pairs >= 10, "the pack needs at least one pair per fold");
        Assert.Equal(TargetSetKind.Bin, set.Kind);

        foreach (var hostile in Directory.GetFiles(RepoPaths.Golden("eval/packs"), "hostile-*.bin"))
        {
            r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--bin", $"x={hostile}", "--out", fx.Dir.Combine("v-hostile"));
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Contains("--bin", r.StdErr, StringComparison.Ordinal);
            Assert.False(File.Exists(fx.Dir.Combine("v-hostile", "eval.json")));
        }
    }

    [Fact]
    public void Unreadable_images_and_missing_landmarks_drop_their_pairs_and_an_empty_set_exits_one()
    {
        var lfwDir = CopyTree(Path.Combine(fx.Data, "lfw"), fx.Dir.Combine("d-lfw"));
        var rfwDir = CopyTree(Path.Combine(fx.Data, "rfw"), fx.Dir.Combine("d-rfw"));
        var lfwPairs = NamedPairsReader.ReadLfw(Path.Combine(lfwDir, "pairs.txt"), new ReaderReport());
        var corrupt = lfwPairs[0].PathA;
        var missing = lfwPairs.Select(p => p.PathB).First(p => p != corrupt);
        File.WriteAllText(Path.Combine(lfwDir, corrupt), "not an image");
        File.Delete(Path.Combine(lfwDir, missing));
        var lmkFile = Path.Combine(rfwDir, "test", "txts", "African", "African_lmk.txt");
        var rfwPairs = NamedPairsReader.ReadRfw(Path.Combine(rfwDir, "test", "txts", "African", "African_pairs.txt"), new ReaderReport());
        var noLandmarks = rfwPairs[0].PathB;
        File.WriteAllLines(lmkFile, File.ReadAllLines(lmkFile).Where(l => !l.Split('\t')[0].EndsWith("/" + noLandmarks, StringComparison.Ordinal)));

        var run = fx.Dir.Combine("d-run");
        var r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--rfw", rfwDir,
            "--lfw", $"lfw={lfwDir}/pairs.txt:{lfwDir}", "--out", run);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("warning: 3 of ", r.StdErr, StringComparison.Ordinal);
        var result = EvalJson.Read(Path.Combine(run, "eval.json"));
        var lfw = result.Sets.Single(s => s.Name == "lfw");
        var lfwDropped = lfwPairs.Count(p => new[] { p.PathA, p.PathB }.Any(x => x == corrupt || x == missing));
        Assert.True(lfwDropped >= 2);
        Assert.Equal(lfwDropped, lfw.DroppedPairs);
        Assert.Equal(lfwPairs.Count - lfwDropped, lfw.Pairs);
        Assert.Contains($"lfw: {lfwDropped} of {lfwPairs.Count} pairs dropped", r.StdErr, StringComparison.Ordinal);
        var african = result.Sets.Single(s => s.Name == "RFW-African");
        var rfwDropped = rfwPairs.Count(p => p.PathA == noLandmarks || p.PathB == noLandmarks);
        Assert.Equal(rfwDropped, african.DroppedPairs);
        Assert.Equal(rfwPairs.Count - rfwDropped, african.Pairs);
        Assert.All(result.Sets.Where(s => s.Name is "RFW-Asian" or "RFW-Caucasian" or "RFW-Indian"), s => Assert.Equal(0, s.DroppedPairs));
        Assert.NotNull(result.Rfw);

        // What the run saw is in its provenance: 3 images rejected, each under its reason, and every dropped pair.
        var seen = result.Provenance!;
        Assert.Equal(3, seen.Counts["imagesRejected"]);
        Assert.Equal(lfwDropped + rfwDropped, seen.Counts["pairsDropped"]);
        Assert.Equal(3, seen.Reasons.Values.Sum());
        Assert.Equal(["read", "unaligned", "undecodable"], seen.Reasons.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(Sha256(Path.Combine(lfwDir, "pairs.txt")), seen.Inputs.Single(i => i.Role == "pairs:lfw").Sha256);
        Assert.Equal(Sha256(lmkFile), seen.Inputs.Single(i => i.Role == "landmarks:RFW-African").Sha256);

        // Every image of the list unreadable: nothing to score is a failure (exit 1) that names the set, and no eval.json.
        foreach (var f in Directory.GetFiles(lfwDir, "*.jpg", SearchOption.AllDirectories)) File.WriteAllText(f, "x");
        var empty = fx.Dir.Combine("d-empty");
        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--lfw", $"lfw={lfwDir}/pairs.txt:{lfwDir}", "--out", empty);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("set lfw: only 0 of", r.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(empty, "eval.json")));
    }

    [Fact]
    public void A_pair_list_of_unaligned_images_is_aligned_with_its_landmarks()
    {
        // CPLFW-style list over the demo's unaligned 160x160 images: genuine pairs within an identity, impostors across.
        var root = Path.Combine(fx.Data, "unaligned");
        var byIdentity = Directory.GetFiles(root, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).GroupBy(f => Path.GetDirectoryName(f)).Select(g => g.ToList()).ToList();
        var lines = new List<string>();
        for (var i = 0; i < byIdentity.Count; i++)
        {
            lines.AddRange([$"{byIdentity[i][0]} {i + 1}", $"{byIdentity[i][1]} {i + 1}"]);
            lines.AddRange([$"{byIdentity[i][0]} 0", $"{byIdentity[(i + 1) % byIdentity.Count][1]} 0"]);
        }

        var list = fx.Dir.Combine("u-pairs.txt");
        File.WriteAllLines(list, lines);
        var lmk = Path.Combine(root, "landmarks.txt");
        var run = fx.Dir.Combine("u-run");
        var r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--pairs", $"unal={list}:{root}",
            "--landmarks", $"unal={lmk}", "--out", run);
        Assert.True(r.ExitCode == 0, r.ToString());
        var set = EvalJson.Read(Path.Combine(run, "eval.json")).Sets.Single();
        Assert.Equal(TargetSetKind.Pairs, set.Kind);
        Assert.Equal(lines.Count / 2, set.Pairs);
        Assert.Equal(byIdentity.Count, set.GenuinePairs);
        Assert.Equal(0, set.DroppedPairs);
        var seen = EvalJson.Read(Path.Combine(run, "eval.json")).Provenance!;
        var images = lines.Select(l => l.Split(' ')[0]).Distinct().Count();
        Assert.Equal((images, images, images), (seen.Counts["images"], seen.Counts["imagesMatchedToLandmarks"], seen.Counts["alignedByLandmarks"]));
        Assert.Equal(Sha256(lmk), seen.Inputs.Single(i => i.Role == "landmarks:unal").Sha256);
        Assert.Equal(Sha256(list), seen.Inputs.Single(i => i.Role == "pairs:unal").Sha256);

        // Without the landmarks the 160x160 images are rejected (--unaligned reject): no pair is left (exit 1) ...
        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--pairs", $"unal={list}:{root}", "--out", fx.Dir.Combine("u-none"));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("set unal: only 0 of", r.StdErr, StringComparison.Ordinal);

        // ... unless center-cropped.
        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--pairs", $"unal={list}:{root}",
            "--unaligned", "center-crop", "--out", fx.Dir.Combine("u-crop"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var cropped = EvalJson.Read(fx.Dir.Combine("u-crop", "eval.json"));
        Assert.Equal(0, cropped.Sets.Single().DroppedPairs);
        Assert.Equal(images, cropped.Provenance!.Counts["centreCropped"]);
        Assert.False(cropped.Provenance.Counts.ContainsKey("alignedByLandmarks"));
    }

    [Fact]
    public void Cache_without_an_image_drops_its_pairs_and_records_the_cache_fingerprint()
    {
        var partial = CopyTree(Path.Combine(fx.Data, "lfw"), fx.Dir.Combine("c-lfw"));
        var pairs = NamedPairsReader.ReadLfw(Path.Combine(partial, "pairs.txt"), new ReaderReport());
        var gone = pairs[^1].PathB;
        File.Delete(Path.Combine(partial, gone));
        File.Delete(Path.Combine(partial, "pairs.txt"));
        var cache = fx.Dir.Combine("c-cache");
        var r = ProcessRunner.Fairkd("embed", "--dataset", $"lfw={partial}", "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--no-ethnicity", "--out", cache);
        Assert.True(r.ExitCode == 0, r.ToString());
        var run = fx.Dir.Combine("c-run");
        r = ProcessRunner.Fairkd("eval", "--cache", cache, "--lfw", Lfw, "--out", run);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"not in the cache (key lfw/{gone})", r.StdErr, StringComparison.Ordinal);
        var result = EvalJson.Read(Path.Combine(run, "eval.json"));
        var dropped = pairs.Count(p => p.PathA == gone || p.PathB == gone);
        Assert.Equal(dropped, result.Sets[0].DroppedPairs);
        Assert.Equal(pairs.Count - dropped, result.Sets[0].Pairs);
        Assert.Matches("^[0-9a-f]{64}$", result.Model.Fingerprint);
        Assert.StartsWith("cache of ", result.Model.Name, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(cache), result.Model.Source);
    }

    [Fact]
    public void Report_over_two_eval_runs_writes_the_tables()
    {
        var a = fx.Dir.Combine("v-ra");
        var b = fx.Dir.Combine("v-rb");
        Assert.Equal(0, ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--rfw", Path.Combine(fx.Data, "rfw"), "--lfw", Lfw, "--out", a).ExitCode);
        Assert.Equal(0, ProcessRunner.Fairkd("eval", "--onnx", EmbedFixture.Onnx, "--rfw", Path.Combine(fx.Data, "rfw"), "--lfw", Lfw, "--out", b).ExitCode);
        var r = ProcessRunner.Fairkd("report", a, b, "--out", fx.Dir.Combine("v-report"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var md = File.ReadAllText(fx.Dir.Combine("v-report", "report.md"));
        Assert.Contains("v-ra", md, StringComparison.Ordinal);
        Assert.Contains("SER", md, StringComparison.Ordinal);
    }

    private static string CopyTree(string from, string to)
    {
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }

        return to;
    }

    [Theory]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--out", "O" }, "at least one evaluation set")]
    [InlineData(new[] { "--onnx", "X", "--cache", "C", "--lfw", "L", "--out", "O" }, "exactly one of")]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--lfw", "lfw=nocolon", "--out", "O" }, "NAME=PAIRS_FILE:IMAGE_ROOT")]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--lfw", "L", "--landmarks", "other=LMK", "--out", "O" }, "no --lfw/--pairs set of that name")]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--lfw", "L" }, "--out DIR is required")]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--lfw", "L", "--out", "O", "--fmr", "1e-3,2" }, "'2' is not an FMR target in (0, 1)")]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--lfw", "L", "--out", "O", "--fmr", "1e-3,0.001" }, "listed twice")]
    [InlineData(new[] { "--model", "iresnet18", "--weights", "W", "--lfw", "L", "--out", "O", "--bootstrap", "20" }, "at least 100 resamples")]
    public void Bad_arguments_exit_two(string[] args, string message)
    {
        var mapped = args.Select(a => a switch
        {
            "W" => EmbedFixture.Weights,
            "L" => Lfw,
            "O" => fx.Dir.Combine("v-bad"),
            _ => a.Replace("LMK", Path.Combine(fx.Data, "unaligned", "landmarks.txt"), StringComparison.Ordinal),
        }).ToArray();
        var r = ProcessRunner.Fairkd(["eval", .. mapped]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
}
