using FairKd.Torch.Export;
using static TorchSharp.torch;

namespace FairKd.Torch.Models.Fused;

/// <summary>
/// Common part of the inference forms made by <see cref="FaceBackbone.FuseForInference"/>: input cast and optional
/// channels-last conversion, frozen eval mode, and no second fusion.
/// </summary>
public abstract class FusedBackbone : FaceBackbone
{
    private readonly bool channelsLast;

    private protected FusedBackbone(ModelSpec spec, bool channelsLast) : base(spec.Name + "-fused", spec)
    {
        this.channelsLast = channelsLast;
    }

    /// <summary>Refused: the network is already in its fused inference form.</summary>
    public sealed override FaceBackbone FuseForInference(bool channelsLast = true) =>
        throw new InvalidOperationException($"{Spec.Name} is already fused for inference");

    /// <summary>Adds the network's ONNX nodes reading <paramref name="input"/> ([N, 3, S, S]) to <paramref name="graph"/>,
    /// mirroring <see cref="nn.Module{T, TResult}.forward"/>; returns the embedding value.</summary>
    internal abstract string ToOnnx(OnnxGraphBuilder graph, string input);

    /// <summary>Call at the end of the derived constructor: registers the fields, eval mode, frozen parameters.</summary>
    private protected void RegisterFrozen()
    {
        RegisterComponents();
        eval();
        foreach (var p in parameters()) p.requires_grad = false;
    }

    /// <summary>The input in the trunk's dtype and, when built so, channels-last.</summary>
    private protected Tensor PrepareInput(Tensor input, Tensor trunkWeight)
    {
        var x = CastLike(input, trunkWeight);
        return channelsLast ? ChannelsLast.Of(x) : x;
    }
}
