using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd embed` with an ethnicity classifier (TorchSharp and ONNX, remapped class order) and with float16 storage.</summary>
public class EmbedLabelAndStorageTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    /// <summary>The committed 112x112 ethnicity classifier golden (the "fmt" backbone spec + a 4-way head); eth112.onnx is its ONNX export.</summary>
    private const string ClassifierSpec = "iresnet18:width=0.015625,emb=8";

    private static string ClassifierWeights => RepoPaths.Golden("models/eth112.pth");

    private static string ClassifierOnnx => RepoPaths.Golden("models/eth112.onnx");

    private string[] Embed(string outDir, params string[] extra) =>
        ["embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--out", outDir, .. extra];

    [Fact]
    public void Torch_and_onnx_classifiers_give_the_same_soft_labels_and_the_order_option_remaps_them()
    {
        var torchCache = fx.Dir.Combine("l-torch");
        var onnxCache = fx.Dir.Combine("l-onnx");
        var reversedCache = fx.Dir.Combine("l-reversed");
        var r = ProcessRunner.Fairkd(Embed(torchCache, "--ethnicity-model", ClassifierSpec, "--ethnicity-weights", ClassifierWeights));
        Assert.True(r.ExitCode == 0, r.ToString());
        r = ProcessRunner.Fairkd(Embed(onnxCache, "--ethnicity-onnx", ClassifierOnnx));
        Assert.True(r.ExitCode == 0, r.ToString());
        // the classifier's outputs named in reverse: output 0 is Indian, ..., output 3 is African
        r = ProcessRunner.Fairkd(Embed(reversedCache, "--ethnicity-onnx", ClassifierOnnx, "--ethnicity-order", "Indian,Caucasian,Asian,African"));
        Assert.True(r.ExitCode == 0, r.ToString());

        var a = EmbedFixture.Rows(torchCache);
        var b = EmbedFixture.Rows(onnxCache);
        var c = EmbedFixture.Rows(reversedCache);
        Assert.Equal(48, a.Count);
        Assert.Equal(a.Select(x => x.Key), b.Select(x => x.Key));
        Assert.Equal(a.Select(x => x.Key), c.Select(x => x.Key));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(1.0, a[i].P.Sum(), 5);
            Assert.All(a[i].P, p => Assert.InRange(p, 0f, 1f));
            for (var k = 0; k < 4; k++)
            {
                Assert.True(Math.Abs(a[i].P[k] - b[i].P[k]) < 1e-5, $"{a[i].Key} p[{k}]: torch {a[i].P[k]} vs onnx {b[i].P[k]}");
                Assert.Equal(b[i].P[k], c[i].P[3 - k]);
            }
        }

        // soft labels of a real classifier: they differ between faces (not a constant, not one-hot)
        var spread = Enumerable.Range(0, 4).Max(k => a.Max(x => x.P[k]) - a.Min(x => x.P[k]));
        Assert.True(spread > 1e-3, $"soft labels barely vary across faces (largest spread {spread})");
        Assert.Contains(a, x => x.P.Max() < 0.999f);
    }

    [Fact]
    public void Float16_storage_keeps_every_embedding_within_cosine_0_9999_in_smaller_shards()
    {
        var full = fx.Dir.Combine("s-fp32");
        var half = fx.Dir.Combine("s-fp16");
        var r = ProcessRunner.Fairkd(Embed(full, "--ethnicity-from-folders"));
        Assert.True(r.ExitCode == 0, r.ToString());
        r = ProcessRunner.Fairkd(Embed(half, "--ethnicity-from-folders", "--fp16-storage"));
        Assert.True(r.ExitCode == 0, r.ToString());

        var a = EmbedFixture.Rows(full);
        var b = EmbedFixture.Rows(half);
        Assert.Equal(a.Select(x => x.Key), b.Select(x => x.Key));
        var minCos = a.Zip(b).Min(t => Math.Min(Vectors.Cosine(t.First.E, t.Second.E), Vectors.Cosine(t.First.F, t.Second.F)));
        Assert.True(minCos >= 0.9999, $"min cosine fp16 vs fp32 {minCos}");
        Assert.Contains(a.Zip(b), t => !t.First.E.SequenceEqual(t.Second.E)); // really stored at half precision
        Assert.Equal(a.Select(x => x.N), b.Select(x => x.N)); // norms stay float32
        Assert.Equal(a.Select(x => x.P), b.Select(x => x.P));
        Assert.True(ShardBytes(half) < ShardBytes(full), $"fp16 shards {ShardBytes(half)} bytes, fp32 {ShardBytes(full)} bytes");

        // the cache remembers its encoding: resuming it without --fp16-storage is a different cache, refused
        r = ProcessRunner.Fairkd(Embed(half, "--ethnicity-from-folders"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("embedding encoding", r.StdErr, StringComparison.Ordinal);
    }

    private static long ShardBytes(string dir) => Directory.GetFiles(dir, "part-*.parquet").Sum(f => new FileInfo(f).Length);
}
