using System.Text.Json;
using FairKd.Tests.Shared;
using FairKd.Torch.Losses;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Losses;

/// <summary>Reads tests/golden/losses/losses.json (written by generate.py with PyTorch 1.13).</summary>
internal sealed class LossGolden
{
    private static readonly Lazy<LossGolden> Instance = new(() => new LossGolden(RepoPaths.Golden("losses/losses.json")));

    private LossGolden(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        Batch = r.GetProperty("batch").GetInt32();
        Dim = r.GetProperty("dim").GetInt32();
        Classes = r.GetProperty("classes").GetInt32();
        Raw = Floats(r.GetProperty("raw"));
        Embeddings = Floats(r.GetProperty("embeddings"));
        Kernel = Floats(r.GetProperty("kernel"));
        Labels = r.GetProperty("labels").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Margins = Floats(r.GetProperty("margins"));
        Cases = r.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
        Kd = r.GetProperty("kd").Clone();
    }

    public static LossGolden Load() => Instance.Value;

    public int Batch { get; }
    public int Dim { get; }
    public int Classes { get; }
    public float[] Raw { get; }
    public float[] Embeddings { get; }
    public float[] Kernel { get; }
    public long[] Labels { get; }
    public float[] Margins { get; }
    public IReadOnlyList<JsonElement> Cases { get; }
    public JsonElement Kd { get; }

    public JsonElement Case(string name, int call = 0) =>
        Cases.Single(c => c.GetProperty("name").GetString() == name && (!c.TryGetProperty("call", out var k) || k.GetInt32() == call));

    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();

    public Tensor EmbeddingTensor() => tensor(Embeddings).reshape(Batch, Dim);
    public Tensor LabelTensor() => tensor(Labels);

    /// <summary>Creates the header through the registry and loads the golden kernel into it.</summary>
    public MarginHeader Header(string name, LossOptions? options = null)
    {
        var header = LossRegistry.Create(name, Dim, Classes, options);
        using (no_grad())
        using (var k = tensor(Kernel).reshape(Dim, Classes))
            header.kernel.copy_(k);
        return header;
    }

    public static void AssertClose(float[] expected, Tensor actual, double tolerance, string what)
    {
        var got = actual.detach().contiguous().data<float>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (var i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]}, got {got[i]}");
    }
}
