using DuckDB.NET.Data;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd embed` and `fairkd embed merge` on tiny demo data with the committed tiny teacher.</summary>
public class EmbedCommandTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    [Fact]
    public void Writes_a_cache_duckdb_reads_and_a_rerun_is_a_no_op()
    {
        var cache = fx.Dir.Combine("c-basic");
        var r = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--ethnicity-from-folders", "--out", cache, "--shard-rows", "20", "--batch-size", "7");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("48 images cached", r.StdOut, StringComparison.Ordinal);

        using (var db = new DuckDBConnection("Data Source=:memory:"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT count(*), count(DISTINCT key), min(len(embedding)), sum(p_african + p_asian + p_caucasian + p_indian) FROM read_parquet('{cache}/part-*.parquet')";
            using var q = cmd.ExecuteReader();
            Assert.True(q.Read());
            Assert.Equal(48L, Convert.ToInt64(q.GetValue(0)));
            Assert.Equal(48L, Convert.ToInt64(q.GetValue(1)));
            Assert.Equal(16L, Convert.ToInt64(q.GetValue(2)));
            Assert.Equal(48.0, Convert.ToDouble(q.GetValue(3)), 4);
        }

        // One row equals the teacher run directly on the same image (decode + align by the library).
        var rows = EmbedFixture.Rows(cache);
        var (key, e, f, n, p) = rows[5];
        var file = Path.Combine(fx.Data, "real", key["real/".Length..]);
        var face = new FacePreprocessor(ImagingOptions.Default).Process(File.ReadAllBytes(file), null);
        using var teacher = TorchFaceEmbedder.Create(ModelSpecText.Parse(EmbedFixture.Spec), EmbedFixture.Weights);
        var raw = new float[16];
        teacher.Embed(face.Chw, 1, raw);
        var norm = MathF.Sqrt(raw.Sum(v => v * v));
        Assert.Equal(norm, n, 3);
        for (var i = 0; i < 16; i++) Assert.Equal(raw[i] / norm, e[i], 4);
        Assert.True(e.Zip(f).Sum(t => t.First * t.Second) < 0.9999f, "the flipped embedding must differ from the plain one");
        Assert.Equal(1f, p[FairKd.Core.Records.EthnicGroups.IndexOf(key.Split('/')[1])]);

        // The session is recorded in _cache.json: the dataset root, the teacher's weights by SHA-256, counts and throughput.
        var session = Assert.Single(CacheIndex.TryLoad(cache)!.Provenance!);
        Assert.Equal(("embed", 48L, 48L, 0L), (session.Stage, session.Counts["samples"], session.Counts["embedded"], session.Counts["rejected"]));
        Assert.Equal(48L, session.Counts["passedThrough112"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(EmbedFixture.Weights))),
            session.Inputs.Single(i => i.Role == "weights").Sha256);
        Assert.Equal(("folder", Path.GetFullPath(Path.Combine(fx.Data, "real"))), (session.Inputs.Single(i => i.Role == "images:real").Kind, session.Inputs.Single(i => i.Role == "images:real").Path));
        Assert.Equal(48L, session.Throughput!.Items);
        Assert.NotNull(session.Commit);

        var before = Directory.GetFiles(cache).ToDictionary(x => x, File.GetLastWriteTimeUtc);
        r = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--ethnicity-from-folders", "--out", cache, "--shard-rows", "20", "--batch-size", "7");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nothing to do", r.StdOut, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(cache).ToDictionary(x => x, File.GetLastWriteTimeUtc));

        // A different teacher into the same folder is refused unless --force.
        r = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--onnx", EmbedFixture.Onnx, "--ethnicity-from-folders", "--out", cache, "--shard-rows", "20");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--force", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_teacher_gives_the_torch_teachers_cache()
    {
        var torchCache = fx.Dir.Combine("c-torch");
        var onnxCache = fx.Dir.Combine("c-onnx");
        var r = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--ethnicity-from-folders", "--out", torchCache);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--onnx", EmbedFixture.Onnx, "--ethnicity-from-folders", "--out", onnxCache);
        Assert.True(r.ExitCode == 0, r.ToString());
        var a = EmbedFixture.Rows(torchCache);
        var b = EmbedFixture.Rows(onnxCache);
        Assert.Equal(a.Select(x => x.Key), b.Select(x => x.Key));
        for (var i = 0; i < a.Count; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                Assert.True(Math.Abs(a[i].E[j] - b[i].E[j]) < 2e-5, $"{a[i].Key}[{j}]: {a[i].E[j]} vs {b[i].E[j]}");
                Assert.True(Math.Abs(a[i].F[j] - b[i].F[j]) < 2e-5, $"{a[i].Key}[{j}] flipped: {a[i].F[j]} vs {b[i].F[j]}");
            }
        }
    }

    [Fact]
    public void Ethnicity_file_labels_synthetic_sets_and_unmatched_images_are_rejected()
    {
        var syn = Path.Combine(fx.Data, "synthetic-a");
        var files = Directory.GetFiles(syn, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var predictions = fx.Dir.Combine("predictions.txt");
        // the study's columns: p_Caucasian, p_Asian, p_Indian, p_African, unused, absolute path on another machine; the last image is missing
        File.WriteAllLines(predictions, files.SkipLast(1).Select((f, i) =>
            $"0.1,0.2,0.3,0.4,{i},/mnt/other/synthetic/{Path.GetRelativePath(syn, f).Replace('\\', '/')}"));
        var cache = fx.Dir.Combine("c-file");
        var r = ProcessRunner.Fairkd("embed", "--dataset", $"synthetic-a={syn}", "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--ethnicity-file", predictions, "--out", cache);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 samples rejected", r.StdErr, StringComparison.Ordinal);
        var rows = EmbedFixture.Rows(cache);
        Assert.Equal(files.Count - 1, rows.Count);
        Assert.All(rows, x => Assert.Equal([0.4f, 0.2f, 0.1f, 0.3f], x.P)); // stored African, Asian, Caucasian, Indian
        Assert.Contains("no line of the predictions file", File.ReadAllText(Path.Combine(cache, "rejects.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_partitions_merged_equal_one_run()
    {
        var single = fx.Dir.Combine("c-single");
        string[] common = ["--dataset", fx.Real, "--dataset", $"rfw={fx.Data}/rfw/test/data:group/identity/image", "--unaligned", "center-crop",
            "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--ethnicity-from-folders", "--shard-rows", "16"];
        var one = ProcessRunner.Fairkd(["embed", .. common, "--out", single]);
        Assert.True(one.ExitCode == 0, one.ToString());
        for (var k = 0; k < 2; k++)
        {
            var r = ProcessRunner.Fairkd(["embed", .. common, "--shard-index", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "--shard-count", "2", "--out", fx.Dir.Combine($"c-part{k}")]);
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        var merged = fx.Dir.Combine("c-merged");
        var m = ProcessRunner.Fairkd("embed", "merge", fx.Dir.Combine("c-part1"), fx.Dir.Combine("c-part0"), "--out", merged);
        Assert.True(m.ExitCode == 0, m.ToString());
        var a = EmbedFixture.Rows(single);
        var b = EmbedFixture.Rows(merged);
        Assert.Equal(a.Select(x => x.Key), b.Select(x => x.Key));
        // Batches are composed differently at partition boundaries; float32 convolutions are then equal up to rounding.
        var maxDiff = a.Zip(b).Max(t => t.First.E.Zip(t.Second.E).Concat(t.First.F.Zip(t.Second.F)).Max(v => Math.Abs(v.First - v.Second)));
        Assert.True(maxDiff < 1e-5, $"max abs difference {maxDiff}");
        Assert.Equal(a.Select(x => x.P), b.Select(x => x.P));

        // The merged index keeps both partitions' sessions (partition order), and their counts add up to the single run's.
        var sessions = CacheIndex.TryLoad(merged)!.Provenance!;
        Assert.Equal(2, sessions.Count);
        var whole = Assert.Single(CacheIndex.TryLoad(single)!.Provenance!);
        Assert.Equal(whole.Counts["embedded"], sessions.Sum(x => x.Counts["embedded"]));
        Assert.True(whole.Counts["centreCropped"] > 0);
        Assert.Equal(whole.Counts["centreCropped"], sessions.Sum(x => x.Counts.GetValueOrDefault("centreCropped")));

        m = ProcessRunner.Fairkd("embed", "merge", fx.Dir.Combine("c-part0"), "--out", fx.Dir.Combine("c-merged-bad"));
        Assert.True(m.ExitCode == 2, m.ToString());
    }

    [Theory]
    [InlineData("no teacher", new[] { "--ethnicity-from-folders" }, "give either --teacher")]
    [InlineData("both teachers", new[] { "--teacher", "iresnet18", "--weights", "W", "--onnx", "W", "--ethnicity-from-folders" }, "give either --teacher")]
    [InlineData("no labels", new[] { "--teacher", "iresnet18", "--weights", "W" }, "exactly one ethnicity source")]
    [InlineData("two labels", new[] { "--teacher", "iresnet18", "--weights", "W", "--ethnicity-from-folders", "--ethnicity-file", "x" }, "exactly one ethnicity source")]
    [InlineData("bad spec", new[] { "--teacher", "iresnet18:width=x", "--weights", "W", "--ethnicity-from-folders" }, "width=x is not a number")]
    [InlineData("missing weights", new[] { "--teacher", "iresnet18", "--weights", "/nonexistent.pth", "--ethnicity-from-folders" }, "file not found")]
    [InlineData("bad batch", new[] { "--teacher", "iresnet18", "--weights", "W", "--ethnicity-from-folders", "--batch-size", "0" }, "--batch-size")]
    [InlineData("bad partition", new[] { "--teacher", "iresnet18", "--weights", "W", "--ethnicity-from-folders", "--shard-index", "3", "--shard-count", "2" }, "shard")]
    public void Bad_arguments_exit_two_with_a_message(string what, string[] args, string message)
    {
        var withWeights = args.Select(a => a == "W" ? EmbedFixture.Weights : a).ToArray();
        var r = ProcessRunner.Fairkd(["embed", "--dataset", fx.Real, "--out", fx.Dir.Combine("c-bad"), .. withWeights]);
        Assert.True(r.ExitCode == 2, what + ": " + r);
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
    }
}
