using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

public class EthnicityClassifierTests
{
    private static readonly ModelSpec Backbone = new("iresnet18", 1.0 / 64, 32, 8);

    private static string SavedNet(TempDir tmp)
    {
        manual_seed(21);
        using var net = new EthnicityNet(Backbone);
        using (no_grad())
        {
            foreach (var (key, t) in net.state_dict())
                if (key.StartsWith("head.", StringComparison.Ordinal)) t.normal_(0, 2); // confident, distinct classes
        }

        var path = tmp.Combine("eth.pth");
        ModelWeights.SavePyTorch(net, path);
        return path;
    }

    private static float[] Input(int n)
    {
        var rng = new Random(4);
        return Enumerable.Range(0, n * 3 * 32 * 32).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void Keys_are_backbone_and_head()
    {
        using var net = new EthnicityNet(Backbone);
        var keys = net.state_dict().Keys.ToList();
        Assert.Contains("head.weight", keys);
        Assert.Contains("head.bias", keys);
        Assert.Contains("backbone.features.weight", keys);
        Assert.All(keys, k => Assert.True(k.StartsWith("backbone.", StringComparison.Ordinal) || k.StartsWith("head.", StringComparison.Ordinal), k));
    }

    [Fact]
    public void Probabilities_sum_to_one_and_follow_the_class_order()
    {
        using var tmp = new TempDir("eth");
        var path = SavedNet(tmp);
        var x = Input(3);
        using var plain = TorchEthnicityClassifier.Create(Backbone, path);
        Assert.Equal(32, plain.InputSize);
        var p = new float[12];
        plain.Predict(x, 3, p);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1.0, p.Skip(4 * i).Take(4).Sum(), 5);
            Assert.All(p.Skip(4 * i).Take(4), v => Assert.InRange(v, 0f, 1f));
        }

        // A head trained with outputs (Caucasian, Asian, Indian, African), as the study's predictions file.
        string[] order = ["Caucasian", "Asian", "Indian", "African"];
        using var mapped = TorchEthnicityClassifier.Create(Backbone, path, order);
        var q = new float[12];
        mapped.Predict(x, 3, q);
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                var headIndex = Array.IndexOf(order, EthnicGroups.Order[j]);
                Assert.Equal(p[4 * i + headIndex], q[4 * i + j], 6);
            }
        }
    }

    [Fact]
    public void A_bad_class_order_is_a_usage_error()
    {
        using var tmp = new TempDir("eth");
        var path = SavedNet(tmp);
        Assert.Throws<UsageException>(() => TorchEthnicityClassifier.Create(Backbone, path, ["African", "Asian", "Caucasian"]));
        Assert.Throws<UsageException>(() => TorchEthnicityClassifier.Create(Backbone, path, ["African", "African", "Caucasian", "Indian"]));
        Assert.Throws<UsageException>(() => TorchEthnicityClassifier.Create(Backbone, path, ["African", "Asian", "White", "Indian"]));
    }

    [Fact]
    public void Pytorch_trained_classifier_matches_in_torchsharp_and_onnx()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("models/cases.json")));
        var eth = doc.RootElement.GetProperty("ethnicity");
        var spec = new ModelSpec(eth.GetProperty("model").GetString()!, eth.GetProperty("width").GetDouble(),
            eth.GetProperty("input_size").GetInt32(), eth.GetProperty("embedding_size").GetInt32());
        var expected = eth.GetProperty("probabilities").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var input = File.ReadAllBytes(RepoPaths.Golden("models/" + eth.GetProperty("input").GetString())).Select(b => (b - 127.5f) / 127.5f).ToArray();

        using var torchC = TorchEthnicityClassifier.Create(spec, RepoPaths.Golden("models/" + eth.GetProperty("weights").GetString()));
        var p = new float[8];
        torchC.Predict(input, 2, p);
        Assert.True(GoldenCases.RelativeMaxDiff(p, expected) <= 1e-4);

        using var onnxC = new OnnxEthnicityClassifier(RepoPaths.Golden("models/" + eth.GetProperty("onnx").GetString()));
        Assert.Equal(spec.InputSize, onnxC.InputSize);
        var q = new float[8];
        onnxC.Predict(input, 2, q);
        Assert.True(GoldenCases.RelativeMaxDiff(q, expected) <= 1e-4);

        string[] order = ["Indian", "Caucasian", "Asian", "African"];
        using var mapped = new OnnxEthnicityClassifier(RepoPaths.Golden("models/eth.onnx"), order);
        mapped.Predict(input, 2, q);
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 4; j++)
                Assert.Equal(expected[i * 4 + Array.IndexOf(order, EthnicGroups.Order[j])], q[i * 4 + j], 4);
    }

    [Fact]
    public void An_onnx_model_without_four_outputs_is_not_a_classifier()
    {
        var ex = Assert.Throws<UsageException>(() => new OnnxEthnicityClassifier(RepoPaths.Golden("models/fmt_dynamic.onnx")));
        Assert.Contains("4 values", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_face_weights_do_not_load_as_a_classifier()
    {
        var ex = Assert.Throws<WeightsMismatchException>(() => TorchEthnicityClassifier.Create(
            GoldenCases.Get("fmt").Spec, GoldenCases.Get("fmt").WeightsPath));
        Assert.Contains("head.weight", ex.Missing);
    }
}
