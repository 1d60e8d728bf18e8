using static TorchSharp.torch;

namespace FairKd.Torch.Models.Fused;

/// <summary>
/// Channels-last (NHWC) memory format for 4-d tensors. TorchSharp 0.107 has no <c>memory_format</c> argument, but
/// libtorch picks the format from the strides: permuting to NHWC, making that contiguous and permuting back gives an
/// [N, C, H, W]-shaped tensor with NHWC strides, which convolutions, BatchNorm, PReLU and in-place adds keep. On
/// oneDNN (CPU) and cuDNN this skips the per-layer layout reorders of NCHW.
/// </summary>
public static class ChannelsLast
{
    /// <summary>A channels-last copy of a 4-d tensor (other ranks are returned unchanged).</summary>
    public static Tensor Of(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.dim() != 4 ? x : x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /// <summary>True when a 4-d tensor has dense NHWC strides, with libtorch's rule that the stride of a size-1
    /// dimension does not matter (so a 1x1 convolution weight is both NCHW- and NHWC-contiguous).</summary>
    public static bool Is(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 4) return false;
        var shape = x.shape;
        var strides = x.stride();
        long expected = 1;
        foreach (var d in (ReadOnlySpan<int>)[1, 3, 2, 0])
        {
            if (shape[d] == 1) continue;
            if (strides[d] != expected) return false;
            expected *= shape[d];
        }

        return true;
    }
}
