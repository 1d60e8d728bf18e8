using System.Globalization;
using FairKd.Core;
using FairKd.Torch.Export;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace FairKd.Torch.Tests.Export;

/// <summary>
/// The ONNX export of every registered network (timm's test_models.py shape: one test parametrised over the registry):
/// the file loads in ONNX Runtime with a named input and output and a dynamic batch, carries the preprocessing as
/// metadata, and reproduces the TorchSharp module (eval mode) on the golden inputs at batch 1 and batch 3.
/// </summary>
public class OnnxExportTests(ITestOutputHelper output)
{
    private static readonly string[] Operators = ["Add", "BatchNormalization", "Conv", "Flatten", "Gemm", "PRelu"];

    public static TheoryData<string> RegisteredModels() => [.. ModelRegistry.Names];

    public static IEnumerable<object[]> GoldenCaseNames() => GoldenCases.Names();

    [Theory]
    [MemberData(nameof(RegisteredModels))]
    public void Every_registered_model_exports_to_onnx_that_onnx_runtime_runs_like_the_module(string name)
    {
        var spec = ExportFixtures.Tiny(name);
        using var model = ExportFixtures.Random(spec, 5);
        var bytes = OnnxExport.ToBytes(model);
        using var session = new InferenceSession(bytes);

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("input", input.Key);
        Assert.Equal([-1, 3, 112, 112], input.Value.Dimensions);
        Assert.Equal("batch", input.Value.SymbolicDimensions[0]);
        var embedding = Assert.Single(session.OutputMetadata);
        Assert.Equal("embedding", embedding.Key);
        Assert.Equal([-1, 16], embedding.Value.Dimensions);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(ModelSpecText.Format(spec), meta["model"]);
        Assert.Equal("112", meta["input_size"]);
        Assert.Equal("RGB", meta["channel_order"]);
        Assert.Equal("127.5,127.5,127.5", meta["mean"]);
        Assert.Equal("127.5,127.5,127.5", meta["std"]);
        Assert.Equal("16", meta["embedding_size"]);
        Assert.Equal(OnnxExport.Producer, session.ModelMetadata.ProducerName);

        foreach (var batch in new[] { 1, 3 })
        {
            var x = ExportFixtures.GoldenInput(batch);
            var cosines = ExportFixtures.RowCosines(ExportFixtures.Run(session, x, batch, 112), ExportFixtures.Forward(model, x, batch), 16);
            Assert.Equal(batch, cosines.Length);
            output.WriteLine($"{name} batch {batch}: min cosine {cosines.Min():F9} (1 - cos = {1 - cosines.Min():E1})");
            Assert.All(cosines, c => Assert.True(c >= OnnxParity.MinimumCosine, $"{name} batch {batch}: cosine {c}"));
        }
    }

    [Theory]
    [MemberData(nameof(GoldenCaseNames))]
    public void Exports_of_the_golden_weights_reproduce_pytorchs_outputs(string name)
    {
        var c = GoldenCases.Get(name);
        using var model = ModelRegistry.Create(c.Spec);
        ModelWeights.Load(model, c.WeightsPath);
        using var session = new InferenceSession(OnnxExport.ToBytes(model));
        var y = ExportFixtures.Run(session, c.InputChw(), c.Batch, c.InputSize);
        var cosines = ExportFixtures.RowCosines(y, [.. c.Output.SelectMany(r => r)], c.EmbeddingSize);
        output.WriteLine($"{name}: min cosine with PyTorch {cosines.Min():F9} (1 - cos = {1 - cosines.Min():E1})");
        Assert.All(cosines, v => Assert.True(v >= OnnxParity.MinimumCosine, $"{name}: cosine {v}"));
    }

    [Theory]
    [InlineData("iresnet18", 13, 7)]
    [InlineData("mobilefacenet", 17, 8)]
    public void The_graph_is_the_inference_form_with_the_chosen_opset(string name, int opset, long ir)
    {
        using var model = ExportFixtures.Random(ExportFixtures.Tiny(name), 3);
        var bytes = OnnxExport.ToBytes(model, new OnnxExportOptions { Opset = opset });
        var proto = Onnx.ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(ir, proto.IrVersion);
        Assert.Equal(opset, Assert.Single(proto.OpsetImport).Version);
        Assert.Subset(Operators.ToHashSet(), proto.Graph.Node.Select(n => n.OpType).ToHashSet());
        // Every weight is an initializer named after the inference-form module, and every intermediate has a shape.
        using (var fused = model.FuseForInference(channelsLast: false))
        {
            var weights = fused.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(weights, proto.Graph.Initializer.Select(i => i.Name).Order(StringComparer.Ordinal));
        }

        Assert.Equal(proto.Graph.Node.Count - 1, proto.Graph.ValueInfo.Count);
        if (name == "mobilefacenet")
        {
            // depthwise convolutions: one group per channel
            Assert.Contains(proto.Graph.Node, n => n.OpType == "Conv" && n.Attribute.Single(a => a.Name == "group").I > 1);
            Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "BatchNormalization");
        }
        else
        {
            // one BatchNormalization per block (its bn1 precedes a padded convolution), the rest folded
            Assert.Equal(((IResNet)model).Blocks.Sum(), proto.Graph.Node.Count(n => n.OpType == "BatchNormalization"));
        }

        using var session = new InferenceSession(bytes);
        var x = ExportFixtures.GoldenInput(2);
        var cosines = ExportFixtures.RowCosines(ExportFixtures.Run(session, x, 2, 112), ExportFixtures.Forward(model, x, 2), 16);
        Assert.All(cosines, c => Assert.True(c >= OnnxParity.MinimumCosine, $"opset {opset}: cosine {c}"));
    }

    [Fact]
    public void The_same_network_gives_the_same_bytes_and_extra_metadata_follows_the_exporters()
    {
        var spec = ExportFixtures.Tiny("iresnet34");
        var extra = new OnnxExportOptions { Metadata = [new("alignment_template", "arcface"), new("weights_sha256", "ab")] };
        using var a = ExportFixtures.Random(spec, 9);
        using var b = ExportFixtures.Random(spec, 9);
        var first = OnnxExport.ToBytes(a, extra);
        Assert.Equal(first, OnnxExport.ToBytes(b, extra));
        Assert.Equal(first, OnnxExport.ToBytes(a, extra)); // the network is only read
        using (var fused = a.FuseForInference(channelsLast: true)) Assert.Equal(first, OnnxExport.ToBytes(fused, extra)); // the embedders' form
        using var c = ExportFixtures.Random(spec, 10);
        Assert.NotEqual(first, OnnxExport.ToBytes(c, extra));

        var keys = Onnx.ModelProto.Parser.ParseFrom(first).MetadataProps.Select(p => p.Key);
        Assert.Equal([.. OnnxExport.MetadataKeys, "alignment_template", "weights_sha256"], keys);
    }

    [Fact]
    public void Write_is_atomic_and_replaces_the_file_whole()
    {
        using var tmp = new FairKd.Tests.Shared.TempDir("onnx");
        var path = tmp.Combine("sub", "model.onnx");
        using var model = ExportFixtures.Random(ExportFixtures.Tiny("iresnet18"), 2);
        var bytes = OnnxExport.Write(model, path);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(tmp.Combine("sub")).Select(Path.GetFileName));
        var min = OnnxParity.Check(model, File.ReadAllBytes(path), batch: 3, seed: 4);
        output.WriteLine($"parity check: min cosine {min.ToString("F8", CultureInfo.InvariantCulture)}");
    }

    [Theory]
    [InlineData(12)]
    [InlineData(18)]
    public void Opsets_outside_the_supported_range_are_refused(int opset)
    {
        using var model = ExportFixtures.Random(ExportFixtures.Tiny("iresnet18"), 1);
        var e = Assert.Throws<UsageException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { Opset = opset }));
        Assert.Contains("use 13 to 17", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_keys_must_be_unique_and_not_the_exporters()
    {
        using var model = ExportFixtures.Random(ExportFixtures.Tiny("iresnet18"), 1);
        var e = Assert.Throws<UsageException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { Metadata = [new("model", "x")] }));
        Assert.Contains("written by the exporter", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { Metadata = [new("k", "1"), new("k", "2")] }));
        Assert.Contains("given twice", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => OnnxExport.ToBytes(model, new OnnxExportOptions { OutputName = "input" }));
        Assert.Contains("both named", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_network_fails_the_parity_check()
    {
        using var model = ExportFixtures.Random(ExportFixtures.Tiny("mobilefacenet"), 6);
        var bytes = OnnxExport.ToBytes(model);
        using (TorchSharp.torch.no_grad())
        {
            var w = model.state_dict()["features.layers.2.weight"];
            w.copy_(TorchSharp.torch.randn_like(w));
        }

        var e = Assert.Throws<InvalidOperationException>(() => OnnxParity.Check(model, bytes));
        Assert.Contains("disagrees", e.Message, StringComparison.Ordinal);
    }
}
