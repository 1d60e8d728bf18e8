using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using FairKd.Tests.Shared;
using FairKd.Torch.Export;
using FairKd.Torch.Models;
using Xunit.Abstractions;

namespace FairKd.Torch.Tests.Export;

/// <summary>
/// An independent reader of every registered model's export: Debian's python3-onnx runs
/// tests/golden/models/check_onnx.py (onnx.checker with the full check and strict shape inference, the declared
/// input/output and metadata, and an evaluation of the graph by the operators' ONNX definitions in numpy, plus
/// onnx.reference and onnxruntime where installed) against the TorchSharp module's embeddings. Skipped, with the
/// reason, where python3-onnx is not installed.
/// </summary>
public class OnnxPythonPeerTests(ITestOutputHelper output)
{
    public static TheoryData<string> RegisteredModels() => [.. ModelRegistry.Names];

    [OnnxPeerTheory]
    [MemberData(nameof(RegisteredModels))]
    public void Python_onnx_checks_the_export_and_evaluates_it_like_the_module(string name)
    {
        const int batch = 3;
        using var tmp = new TempDir("onnx-peer");
        using var model = ExportFixtures.Random(ExportFixtures.Tiny(name), 8);
        var onnx = tmp.Combine("model.onnx");
        OnnxExport.Write(model, onnx);
        var x = ExportFixtures.GoldenInput(batch);
        var input = tmp.Combine("input.f32");
        var expected = tmp.Combine("expected.f32");
        File.WriteAllBytes(input, MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
        File.WriteAllBytes(expected, MemoryMarshal.AsBytes(ExportFixtures.Forward(model, x, batch).AsSpan()).ToArray());

        var r = ProcessRunner.Run(RepoPaths.Python,
            [RepoPaths.Golden("models/check_onnx.py"), onnx, input, batch.ToString(CultureInfo.InvariantCulture), expected]);
        output.WriteLine($"{name}: {r.StdOut.Trim()}");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var report = JsonDocument.Parse(r.StdOut);
        Assert.Equal("passed", report.RootElement.GetProperty("checker").GetString());
        Assert.Equal(0, report.RootElement.GetProperty("problems").GetArrayLength());
        Assert.True(report.RootElement.GetProperty("evaluators").GetProperty("numpy").GetDouble() >= OnnxParity.MinimumCosine);
    }
}
