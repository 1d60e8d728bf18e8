using System.Text.Json;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>Reads tests/golden/models/cases.json (written by generate.py).</summary>
internal static class GoldenCases
{
    public sealed record Case(string Name, string Model, double Width, int InputSize, int EmbeddingSize, int Batch,
        string Weights, string Input, int StateDictEntries, long Parameters, float[][] Output)
    {
        public ModelSpec Spec => new(Model, Width, InputSize, EmbeddingSize);

        public string WeightsPath => RepoPaths.Golden("models/" + Weights);

        /// <summary>The fixed input as (x - 127.5) / 127.5, NCHW.</summary>
        public float[] InputChw()
        {
            var bytes = File.ReadAllBytes(RepoPaths.Golden("models/" + Input));
            return bytes.Select(b => (b - 127.5f) / 127.5f).ToArray();
        }

        public Tensor InputTensor() => tensor(InputChw(), [Batch, 3, InputSize, InputSize]);
    }

    private static readonly Lazy<Dictionary<string, Case>> All = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("models/cases.json")));
        var result = new Dictionary<string, Case>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var output = c.GetProperty("output").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
            var name = c.GetProperty("case").GetString()!;
            result[name] = new Case(name, c.GetProperty("model").GetString()!, c.GetProperty("width").GetDouble(),
                c.GetProperty("input_size").GetInt32(), c.GetProperty("embedding_size").GetInt32(), c.GetProperty("batch").GetInt32(),
                c.GetProperty("weights").GetString()!, c.GetProperty("input").GetString()!, c.GetProperty("state_dict_entries").GetInt32(),
                c.GetProperty("parameters").GetInt64(), output);
        }

        return result;
    });

    public static Case Get(string name) => All.Value[name];

    public static IEnumerable<object[]> Names() => All.Value.Keys.Select(k => new object[] { k });

    /// <summary>Largest |a - b| over all values, relative to max(1, max |b|).</summary>
    public static double RelativeMaxDiff(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, scale = 1;
        for (var i = 0; i < actual.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return diff / scale;
    }
}
