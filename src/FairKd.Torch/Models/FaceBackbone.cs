using static TorchSharp.torch;

namespace FairKd.Torch.Models;

/// <summary>
/// A face-recognition network: [N, 3, InputSize, InputSize] normalised RGB in, [N, EmbeddingSize] raw
/// (not L2-normalised) embeddings out. Field names equal the PyTorch attribute names, so state_dict keys match
/// arcface_torch checkpoints.
/// </summary>
public abstract class FaceBackbone : nn.Module<Tensor, Tensor>
{
    /// <summary>A network named <paramref name="name"/> (the module name) built for <paramref name="spec"/>.</summary>
    protected FaceBackbone(string name, ModelSpec spec) : base(name)
    {
        Spec = spec;
    }

    /// <summary>The spec the network was built from.</summary>
    public ModelSpec Spec { get; }

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingSize => Spec.EmbeddingSize;

    /// <summary>Square input side in pixels.</summary>
    public int InputSize => Spec.InputSize;

    /// <summary>
    /// Mixed precision as arcface_torch's fp16 option: the convolutional trunk is converted to float16 while the
    /// embedding head (IResNet: fc + features; MobileFaceNet: conv_sep + features) stays float32; forward casts
    /// at the boundary, so the output is always float32. Meant for CUDA; CPU float16 kernels are slow or missing.
    /// </summary>
    public abstract void UseHalfPrecisionTrunk();

    /// <summary>
    /// A new inference-only network that computes the same function faster (FairKd's embedders run this form):
    /// every BatchNorm that follows a convolution or linear layer is folded into it (eval-mode statistics, computed in
    /// float64), dropout is dropped, and with <paramref name="channelsLast"/> the convolution weights and activations
    /// use NHWC strides. Outputs equal <see cref="nn.Module{T, TResult}.forward"/> in eval mode up to float32 rounding
    /// (tested against the unfused network and the PyTorch goldens). The result is float32 on the CPU, in eval mode,
    /// with frozen parameters; this network is left unchanged. Its state_dict is not a checkpoint layout: save the
    /// original.
    /// </summary>
    public abstract FaceBackbone FuseForInference(bool channelsLast = true);

    /// <summary>Number of parameter elements (including the frozen <c>features.weight</c>, as PyTorch counts).</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Casts <paramref name="x"/> to <paramref name="like"/>'s dtype when they differ (no copy otherwise).</summary>
    protected static Tensor CastLike(Tensor x, Tensor like) => x.dtype == like.dtype ? x : x.to_type(like.dtype);
}
