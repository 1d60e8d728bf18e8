using FairKd.Torch.Models;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>The fp16 trunk (arcface_torch's fp16 option): float16 trunk, float32 head and output.</summary>
public class HalfPrecisionTests
{
    [Theory]
    [InlineData("iresnet18")]
    [InlineData("mobilefacenet")]
    public void Half_trunk_keeps_a_float32_head_and_stays_close(string name)
    {
        manual_seed(8);
        using var model = ModelRegistry.Create(new ModelSpec(name, 1.0 / 16, 32, 8));
        model.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = randn(2, 3, 32, 32);
        var full = model.forward(x);
        model.UseHalfPrecisionTrunk();
        var sd = model.state_dict();
        Assert.Contains(sd, kv => kv.Value.dtype == float16);
        Assert.All(sd.Where(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal) && kv.Value.is_floating_point()),
            kv => Assert.Equal(float32, kv.Value.dtype));
        var half = model.forward(x);
        Assert.Equal(float32, half.dtype);
        var rel = (half - full).abs().max().item<float>() / Math.Max(1f, full.abs().max().item<float>());
        Assert.True(rel < 0.05, $"relative difference {rel}");
    }
}
