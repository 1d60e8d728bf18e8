using FairKd.Data.Cache;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Cli.Tests;

/// <summary>Tiny demo data and teacher weights shared by the embed/eval/train command tests (made once per test class).</summary>
public sealed class EmbedFixture : IDisposable
{
    public EmbedFixture()
    {
        Dir = new TempDir("cli-embed");
        Data = Dir.Combine("data");
        var r = ProcessRunner.Fairkd("demo-data", "--out", Data, "--scale", "tiny", "--seed", "2");
        if (r.ExitCode != 0) throw new InvalidOperationException(r.ToString());
        TorchSharp.torch.manual_seed(7);
        using var model = ModelRegistry.Create(ModelSpecText.Parse(SlowSpec));
        SlowWeights = Dir.Combine("slow.pth");
        ModelWeights.SavePyTorch(model, SlowWeights);
    }

    /// <summary>The committed tiny golden teacher: iresnet18 at 1/32 width, 16-d embeddings (fast).</summary>
    public const string Spec = "iresnet18:width=0.03125,emb=16";

    /// <summary>A slower random teacher for the kill/resume test.</summary>
    public const string SlowSpec = "iresnet18:width=0.25,emb=64";

    public static string Weights => RepoPaths.Golden("models/r18t.pth");

    public static string Onnx => RepoPaths.Golden("models/r18t_dynamic.onnx");

    internal TempDir Dir { get; }

    public string Data { get; }

    public string SlowWeights { get; }

    public string Real => $"real={Data}/real:group/identity/image";

    public static List<(string Key, float[] E, float[] F, float N, float[] P)> Rows(string cache)
    {
        using var reader = EmbeddingCacheReader.Open(cache);
        var rows = new List<(string, float[], float[], float, float[])>();
        var keys = reader.ReadLabelsAsync().GetAwaiter().GetResult().Select(l => l.Key).ToList();
        foreach (var t in reader.ReadTargets(keys)) rows.Add((t.Key, t.Embedding, t.FlippedEmbedding, t.Norm, t.Ethnicity));
        return rows;
    }

    public void Dispose() => Dir.Dispose();
}
