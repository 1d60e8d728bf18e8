using FairKd.Core;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>Weights formats: PyTorch zip (bare, module.-prefixed, wrapped), safetensors, TorchSharp, refusals.</summary>
public class WeightsTests
{
    private static readonly GoldenCases.Case Fmt = GoldenCases.Get("fmt");

    private static float[] Output(FaceBackbone model)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return model.forward(Fmt.InputTensor()).data<float>().ToArray();
    }

    private static void AssertGoldenOutput(FaceBackbone model) =>
        Assert.True(GoldenCases.RelativeMaxDiff(Output(model), Fmt.Output.SelectMany(r => r).ToArray()) <= 1e-4);

    [Theory]
    [InlineData("fmt.pth", false, null)]
    [InlineData("fmt_module_prefixed.pth", true, "state_dict")]
    [InlineData("fmt_model_wrapped.pth", false, "model")]
    public void Pytorch_checkpoints_load_bare_prefixed_and_wrapped(string file, bool stripped, string? wrapper)
    {
        using var model = ModelRegistry.Create(Fmt.Spec);
        var report = ModelWeights.Load(model, RepoPaths.Golden("models/" + file));
        Assert.Equal(stripped, report.StrippedModulePrefix);
        Assert.Equal(wrapper, report.UnwrappedFrom);
        Assert.Equal(Fmt.StateDictEntries, report.Loaded);
        AssertGoldenOutput(model);
    }

    [Theory]
    [InlineData("safetensors")]
    [InlineData("torchsharp")]
    [InlineData("pytorch")]
    public void Round_trips_through_every_writable_format(string format)
    {
        using var tmp = new TempDir("w");
        using var source = ModelRegistry.Create(Fmt.Spec);
        ModelWeights.Load(source, Fmt.WeightsPath);
        var path = tmp.Combine("w." + format);
        var expectedFormat = format switch
        {
            "safetensors" => WeightsFormat.Safetensors,
            "torchsharp" => WeightsFormat.TorchSharp,
            _ => WeightsFormat.PyTorchZip,
        };
        switch (expectedFormat)
        {
            case WeightsFormat.Safetensors: ModelWeights.SaveSafetensors(source, path); break;
            case WeightsFormat.TorchSharp: ModelWeights.SaveTorchSharp(source, path); break;
            default: ModelWeights.SavePyTorch(source, path); break;
        }

        Assert.Equal(expectedFormat, WeightsFormatDetector.Detect(path));
        Assert.Single(Directory.GetFiles(tmp.Path)); // no temp file left behind
        manual_seed(99);
        using var target = ModelRegistry.Create(Fmt.Spec);
        var report = ModelWeights.Load(target, path);
        Assert.Equal(Fmt.StateDictEntries, report.Loaded);
        AssertGoldenOutput(target);
    }

    [Fact]
    public void Torchsharp_native_save_is_read_too()
    {
        using var tmp = new TempDir("w");
        using var source = ModelRegistry.Create(Fmt.Spec);
        ModelWeights.Load(source, Fmt.WeightsPath);
        var path = tmp.Combine("native.dat");
        source.save(path); // TorchSharp's own API
        using var target = ModelRegistry.Create(Fmt.Spec);
        Assert.Equal(WeightsFormat.TorchSharp, ModelWeights.Load(target, path).Format);
        AssertGoldenOutput(target);
    }

    [Fact]
    public void Legacy_pickle_is_refused_clearly()
    {
        var path = RepoPaths.Golden("models/fmt_legacy.pth"); // torch.save(..., _use_new_zipfile_serialization=False)
        using var model = ModelRegistry.Create(Fmt.Spec);
        Assert.Equal(WeightsFormat.LegacyPickle, WeightsFormatDetector.Detect(path));
        var ex = Assert.Throws<WeightsFormatException>(() => ModelWeights.Load(model, path));
        Assert.Contains("legacy", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<UsageException>(ex);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("onnx")]
    [InlineData("truncated")]
    [InlineData("zip")]
    public void Other_files_are_refused_as_unsupported_or_corrupt(string kind)
    {
        using var tmp = new TempDir("w");
        using var model = ModelRegistry.Create(Fmt.Spec);
        var path = tmp.Combine(kind == "onnx" ? "m.onnx" : "w.pth");
        switch (kind)
        {
            case "garbage": File.WriteAllText(path, "this is not a checkpoint\n"); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "onnx": File.Copy(RepoPaths.Golden("models/fmt_dynamic.onnx"), path); break;
            case "zip":
                using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
                using (var w = new StreamWriter(zip.CreateEntry("notes.txt").Open()))
                    w.Write("a zip that is not a checkpoint");
                break;
            default:
                var bytes = File.ReadAllBytes(Fmt.WeightsPath);
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
        }

        var ex = Assert.Throws<WeightsFormatException>(() => ModelWeights.Load(model, path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        if (kind == "onnx") Assert.Contains("ONNX", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_mismatch_lists_missing_unexpected_and_shapes()
    {
        using var tmp = new TempDir("w");
        var path = tmp.Combine("odd.pth");
        using (var sd = NewDisposeScope())
        {
            var dict = new Dictionary<string, Tensor>
            {
                ["conv1.weight"] = zeros(1, 3, 3, 3), // the model below has conv1 [2, 3, 3, 3]
                ["head.weight"] = zeros(4, 8),
            };
            PyTorchPickler.PickleStateDict(path, dict);
        }

        using var model = ModelRegistry.Create(Fmt.Spec with { WidthMultiplier = 2.0 / 64 }); // conv1 is [2,3,3,3]
        var ex = Assert.Throws<WeightsMismatchException>(() => ModelWeights.Load(model, path));
        Assert.Contains("head.weight", ex.Unexpected);
        Assert.Contains("fc.weight", ex.Missing);
        Assert.Single(ex.ShapeMismatches);
        Assert.Contains("conv1.weight: file [1, 3, 3, 3] vs model [2, 3, 3, 3]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing keys", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys (1): head.weight", ex.Message, StringComparison.Ordinal);

        var before = model.state_dict()["conv1.weight"].clone();
        var report = ModelWeights.Load(model, path, strict: false);
        Assert.Equal(0, report.Loaded);
        Assert.True(before.allclose(model.state_dict()["conv1.weight"], rtol: 0, atol: 0));
    }

    [Fact]
    public void Wrapped_dict_without_a_state_dict_names_its_keys()
    {
        var path = RepoPaths.Golden("models/wrapped_no_state_dict.pth"); // torch.save({"epoch": 3, "weights_of": {"a": 1}})
        using var model = ModelRegistry.Create(Fmt.Spec);
        var ex = Assert.Throws<WeightsFormatException>(() => ModelWeights.Load(model, path));
        Assert.Contains("epoch", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'state_dict'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sha256_is_the_file_hash()
    {
        using var tmp = new TempDir("w");
        var path = tmp.Combine("x.bin");
        File.WriteAllText(path, "abc");
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ModelWeights.Sha256(path));
    }
}
