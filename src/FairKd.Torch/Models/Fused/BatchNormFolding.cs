using FairKd.Torch.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Models.Fused;

/// <summary>
/// Eval-mode BatchNorm folded into the neighbouring convolution or linear layer (what torch.fx's <c>fuse</c> and
/// ONNX Runtime do): BN(y) = y * s + t with s = gamma / sqrt(var + eps), t = beta - mean * s. Computed in float64
/// on the CPU, returned as new float32 CPU modules; the source modules are only read.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>conv followed by bn -> one convolution with a bias (same stride, padding, groups, dilation).</summary>
    public static Conv2d FoldConv(Conv2d conv, GcSafeBatchNorm bn, bool channelsLast)
    {
        var fused = ConvLike(conv, bias: true);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (s, t) = ScaleShift(bn);
        var w = D(conv.weight!) * s.view(-1, 1, 1, 1);
        var b = conv.bias is null ? t : (D(conv.bias) * s).add(t, Scalars.One);
        SetWeight(fused, w, channelsLast);
        fused.bias!.copy_(b);
        return fused;
    }

    /// <summary>
    /// <paramref name="before"/> (BN2d over [N, C, S, S], then flatten) -> linear -> <paramref name="after"/> (BN1d)
    /// as one linear layer: W' = diag(s_after) W diag(s_before expanded over S*S),
    /// b' = s_after (W t_before + b) + t_after. Either BN may be null.
    /// </summary>
    public static Linear FoldLinear(Linear linear, GcSafeBatchNorm? before, long spatial, GcSafeBatchNorm? after)
    {
        var fused = nn.Linear(linear.in_features, linear.out_features, hasBias: true);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = D(linear.weight!);
        var b = linear.bias is null ? zeros(linear.out_features, dtype: float64) : D(linear.bias);
        if (before is not null)
        {
            var (s, t) = ScaleShift(before);
            var sx = s.repeat_interleave(spatial);
            var tx = t.repeat_interleave(spatial);
            b = b.add(w.matmul(tx), Scalars.One);
            w = w * sx.view(1, -1);
        }

        if (after is not null)
        {
            var (s, t) = ScaleShift(after);
            w = w * s.view(-1, 1);
            b = (b * s).add(t, Scalars.One);
        }

        fused.weight!.copy_(w);
        fused.bias!.copy_(b);
        return fused;
    }

    /// <summary>A float32 CPU copy of an eval-mode BatchNorm that cannot be folded (it precedes a padded conv).</summary>
    public static GcSafeBatchNorm CopyBatchNorm(GcSafeBatchNorm bn)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var copy = GcSafeBatchNorm.For2d(bn.num_features, eps: bn.eps);
        copy.weight!.copy_(bn.weight!.cpu().to_type(float32));
        copy.bias!.copy_(bn.bias!.cpu().to_type(float32));
        copy.running_mean!.copy_(bn.running_mean!.cpu().to_type(float32));
        copy.running_var!.copy_(bn.running_var!.cpu().to_type(float32));
        copy.eval();
        return copy;
    }

    /// <summary>A float32 CPU copy of a PReLU.</summary>
    public static GcSafePReLU CopyPrelu(GcSafePReLU prelu)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var copy = new GcSafePReLU(prelu.NumParameters);
        copy.Weight.copy_(prelu.Weight.cpu().to_type(float32));
        return copy;
    }

    private static (Tensor Scale, Tensor Shift) ScaleShift(NormBase bn)
    {
        if (bn.running_mean is null || bn.running_var is null)
            throw new InvalidOperationException("BatchNorm without running statistics cannot be folded");
        var mean = D(bn.running_mean);
        var s = D(bn.running_var).add(Scalars.Of(bn.eps), Scalars.One).rsqrt();
        if (bn.weight is not null) s = s * D(bn.weight);
        var t = -mean * s;
        if (bn.bias is not null) t = t.add(D(bn.bias), Scalars.One);
        return (s, t);
    }

    private static Conv2d ConvLike(Conv2d conv, bool bias)
    {
        var padding = conv.padding ?? throw new InvalidOperationException("only convolutions with explicit padding can be fused");
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
            throw new InvalidOperationException($"only zero-padded convolutions can be fused (got {conv.padding_mode})");
        return nn.Conv2d(conv.in_channels, conv.out_channels, (conv.kernel_size[0], conv.kernel_size[1]),
            stride: (conv.stride[0], conv.stride[1]), padding: (padding[0], padding[1]),
            dilation: (conv.dilation[0], conv.dilation[1]), groups: conv.groups, bias: bias);
    }

    /// <summary>Copies a float64 weight in; channels-last replaces the parameter by a float32 NHWC-strided one
    /// (same shape, so every consumer sees an ordinary [O, I, kH, kW] weight).</summary>
    private static void SetWeight(Conv2d conv, Tensor weight, bool channelsLast)
    {
        if (!channelsLast)
        {
            conv.weight!.copy_(weight);
            return;
        }

        var w = ChannelsLast.Of(weight.to_type(float32)).DetachFromDisposeScope();
        conv.weight = new Parameter(w, requires_grad: false);
    }

    private static Tensor D(Tensor t) => t.detach().cpu().to_type(float64);
}
