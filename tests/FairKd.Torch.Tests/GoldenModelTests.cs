using System.Globalization;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>The C# networks against the independent PyTorch definitions in tests/golden/models/generate.py.</summary>
public class GoldenModelTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases() => GoldenCases.Names();

    private static float[] Run(FaceBackbone model, GoldenCases.Case c)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return model.forward(c.InputTensor()).data<float>().ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loads_pytorch_weights_and_reproduces_outputs(string name)
    {
        var c = GoldenCases.Get(name);
        using var model = ModelRegistry.Create(c.Spec);
        Assert.Equal(c.StateDictEntries, model.state_dict().Count);
        Assert.Equal(c.Parameters, model.ParameterCount());
        var report = ModelWeights.Load(model, c.WeightsPath);
        Assert.Equal(c.StateDictEntries, report.Loaded);
        Assert.Equal(WeightsFormat.PyTorchZip, report.Format);
        var y = Run(model, c);
        var diff = GoldenCases.RelativeMaxDiff(y, c.Output.SelectMany(r => r).ToArray());
        output.WriteLine($"{name}: max relative difference {diff:E2}");
        Assert.True(diff <= 1e-4, $"{name}: {diff}");
    }

    /// <summary>The PyTorch peer (check_saved.py) loads what C# saved; skipped where python3-torch is not installed.</summary>
    [PyTorchPeerTheory]
    [MemberData(nameof(Cases))]
    public void Pytorch_loads_our_saved_weights_strictly_and_agrees(string name)
    {
        var c = GoldenCases.Get(name);
        using var tmp = new TempDir("golden");
        manual_seed(11);
        using var model = ModelRegistry.Create(c.Spec); // fresh random weights, not the golden ones
        using (no_grad())
        {
            // Non-trivial BN statistics so that the check covers buffers too.
            foreach (var (key, t) in model.state_dict())
            {
                if (key.EndsWith("running_var", StringComparison.Ordinal)) t.uniform_(0.5, 1.5);
                else if (key.EndsWith("running_mean", StringComparison.Ordinal)) t.normal_(0, 0.1);
            }
        }

        var weights = tmp.Combine("saved.pth");
        ModelWeights.SavePyTorch(model, weights);
        var outFile = tmp.Combine("out.f32");
        var y = Run(model, c);
        File.WriteAllBytes(outFile, System.Runtime.InteropServices.MemoryMarshal.AsBytes(y.AsSpan()).ToArray());
        var r = ProcessRunner.Run(RepoPaths.Python,
        [
            RepoPaths.Golden("models/check_saved.py"), c.Model, c.Width.ToString("R", CultureInfo.InvariantCulture),
            c.InputSize.ToString(CultureInfo.InvariantCulture), c.EmbeddingSize.ToString(CultureInfo.InvariantCulture), weights,
            RepoPaths.Golden("models/" + c.Input), c.Batch.ToString(CultureInfo.InvariantCulture), outFile,
        ]);
        Assert.True(r.ExitCode == 0, r.ToString());
        output.WriteLine($"{name}: {r.StdOut.Trim()}");
        Assert.Contains("\"strict\": true", r.StdOut, StringComparison.Ordinal);
    }
}
