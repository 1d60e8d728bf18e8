using FairKd.Torch.Interop;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Models.Fused;
using FairKd.Torch.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>
/// The inference form (<see cref="FaceBackbone.FuseForInference"/>: BatchNorm folded, channels-last) computes the same
/// function as the network it came from, for every registered model, against the PyTorch goldens, and through the
/// embedders.
/// </summary>
public class FusionTests
{
    public static IEnumerable<object[]> Names() => ModelRegistry.Names.Select(n => new object[] { n });

    public static IEnumerable<object[]> Golden() => GoldenCases.Names();

    /// <summary>A tiny variant with every BatchNorm's statistics and affine parameters random (the default 0/1 would
    /// make folding a near no-op and hide a wrong formula).</summary>
    private static FaceBackbone Randomised(string name, double dropout = 0)
    {
        manual_seed(3);
        var model = ModelRegistry.Create(new ModelSpec(name, 1.0 / 16, 40, 8, dropout));
        using var _ = no_grad();
        foreach (var m in model.modules())
        {
            if (m is not GcSafeBatchNorm) continue;
            var bn = (NormBase)m;
            bn.running_mean!.normal_(0, 0.5);
            bn.running_var!.uniform_(0.3, 2.0);
            if (bn.weight!.requires_grad) bn.weight.uniform_(0.5, 1.5); // features.weight stays the frozen 1
            bn.bias!.normal_(0, 0.3);
        }

        model.eval();
        return model;
    }

    private static double RelativeMaxDiff(Tensor a, Tensor b) =>
        (a - b).abs().max().item<float>() / Math.Max(1.0, b.abs().max().item<float>());

    [Theory]
    [MemberData(nameof(Names))]
    public void Fused_network_equals_the_eval_network_and_leaves_it_unchanged(string name)
    {
        using var model = Randomised(name);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var fusedCl = model.FuseForInference();
        using var fusedNchw = model.FuseForInference(channelsLast: false);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var x = randn(3, 3, 40, 40);
        var expected = model.forward(x);
        Assert.True(expected.abs().max().item<float>() > 0.1f);
        foreach (var fused in new[] { fusedCl, fusedNchw })
        {
            var y = fused.forward(x);
            Assert.Equal(expected.shape, y.shape);
            var diff = RelativeMaxDiff(y, expected);
            Assert.True(diff < 1e-5, $"{name}: fused differs by {diff:E2}");
        }

        var after = model.state_dict();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.True(kv.Value.allclose(after[kv.Key], 0, 0), kv.Key));
        Assert.True(model.training == false);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Fused_network_is_frozen_eval_mode_with_folded_batchnorms(string name)
    {
        using var model = Randomised(name);
        using var fused = model.FuseForInference();
        Assert.False(fused.training);
        Assert.All(fused.parameters(), p => Assert.False(p.requires_grad));
        var convs = fused.modules().OfType<Conv2d>().ToList();
        Assert.Equal(model.modules().OfType<Conv2d>().Count(), convs.Count);
        Assert.All(convs, c => Assert.True(ChannelsLast.Is(c.weight!), "conv weight not channels-last"));
        Assert.All(convs, c => Assert.NotNull(c.bias));
        // IResNet keeps one BN per block (it precedes a padded conv); MobileFaceNet keeps none. No BatchNorm1d survives.
        var kept = fused.modules().OfType<GcSafeBatchNorm>().Count(b => b.InputDims == 4);
        var expectedKept = model is IResNet r ? r.Blocks.Sum() : 0;
        Assert.Equal(expectedKept, kept);
        Assert.DoesNotContain(fused.modules().OfType<GcSafeBatchNorm>(), b => b.InputDims == 2);
        Assert.Throws<InvalidOperationException>(() => fused.FuseForInference());

        using var plain = model.FuseForInference(channelsLast: false);
        Assert.All(plain.modules().OfType<Conv2d>(), c => Assert.True(c.weight!.is_contiguous()));
    }

    [Theory]
    [MemberData(nameof(Golden))]
    public void Fused_network_reproduces_the_pytorch_goldens(string name)
    {
        var c = GoldenCases.Get(name);
        using var model = ModelRegistry.Create(c.Spec);
        ModelWeights.Load(model, c.WeightsPath);
        using var fused = model.FuseForInference();
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var y = fused.forward(c.InputTensor()).data<float>().ToArray();
        var diff = GoldenCases.RelativeMaxDiff(y, c.Output.SelectMany(r => r).ToArray());
        Assert.True(diff <= 1e-4, $"{name}: {diff:E2}");
    }

    [Fact]
    public void Dropout_is_dropped_and_fusing_inside_a_dispose_scope_keeps_the_weights()
    {
        using var model = Randomised("iresnet18", dropout: 0.4);
        FaceBackbone fused;
        using (NewDisposeScope()) fused = model.FuseForInference();
        using (fused)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var x = randn(2, 3, 40, 40);
            Assert.True(RelativeMaxDiff(fused.forward(x), model.forward(x)) < 1e-5);
        }
    }

    [Theory]
    [InlineData("iresnet18")]
    [InlineData("mobilefacenet")]
    public void Half_trunk_of_the_fused_network_keeps_a_float32_head(string name)
    {
        using var model = Randomised(name);
        using var fused = model.FuseForInference();
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var x = randn(2, 3, 40, 40);
        var full = model.forward(x);
        fused.UseHalfPrecisionTrunk();
        Assert.Contains(fused.parameters(), p => p.dtype == float16);
        var half = fused.forward(x);
        Assert.Equal(float32, half.dtype);
        Assert.True(RelativeMaxDiff(half, full) < 0.05);
    }

    [Fact]
    public void Embedder_and_classifier_agree_fused_and_unfused()
    {
        var fmt = GoldenCases.Get("fmt");
        using var fused = TorchFaceEmbedder.Create(fmt.Spec, fmt.WeightsPath);
        using var plain = TorchFaceEmbedder.Create(fmt.Spec, fmt.WeightsPath, new TorchInferenceOptions(Fuse: false));
        var x = fmt.InputChw();
        var a = new float[fmt.Batch * fused.EmbeddingSize];
        var b = new float[a.Length];
        fused.Embed(x, fmt.Batch, a);
        plain.Embed(x, fmt.Batch, b);
        Assert.True(GoldenCases.RelativeMaxDiff(a, b) < 1e-5);

        using var tmp = new TempDir("fuse-eth");
        manual_seed(5);
        using (var net = new EthnicityNet(fmt.Spec))
        {
            using (no_grad())
            {
                foreach (var (key, t) in net.state_dict())
                {
                    if (key.EndsWith("running_var", StringComparison.Ordinal)) t.uniform_(0.5, 1.5);
                    else if (key.EndsWith("running_mean", StringComparison.Ordinal)) t.normal_(0, 0.2);
                    else if (key.StartsWith("head.", StringComparison.Ordinal)) t.normal_(0, 2);
                }
            }

            ModelWeights.SavePyTorch(net, tmp.Combine("eth.pth"));
        }

        using var cf = TorchEthnicityClassifier.Create(fmt.Spec, tmp.Combine("eth.pth"));
        using var cp = TorchEthnicityClassifier.Create(fmt.Spec, tmp.Combine("eth.pth"), options: new TorchInferenceOptions(Fuse: false));
        var pa = new float[fmt.Batch * 4];
        var pb = new float[pa.Length];
        cf.Predict(x, fmt.Batch, pa);
        cp.Predict(x, fmt.Batch, pb);
        for (var i = 0; i < pa.Length; i++) Assert.Equal(pb[i], pa[i], 4);
    }

    [Fact]
    public void Channels_last_keeps_shape_and_values_and_only_changes_strides()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 4, 5);
        Assert.False(ChannelsLast.Is(x));
        var y = ChannelsLast.Of(x);
        Assert.True(ChannelsLast.Is(y));
        Assert.False(y.is_contiguous());
        Assert.Equal(x.shape, y.shape);
        Assert.Equal([60L, 1L, 15L, 3L], y.stride());
        Assert.True(y.allclose(x, 0, 0));
        Assert.True(ChannelsLast.Is(randn(4, 3, 1, 1))); // size-1 dims: both layouts at once, as libtorch says
        var v = randn(7);
        Assert.Same(v, ChannelsLast.Of(v));
    }
}
