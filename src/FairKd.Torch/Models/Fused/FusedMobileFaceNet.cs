using FairKd.Torch.Export;
using FairKd.Torch.Interop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Models.Fused;

/// <summary>
/// Inference form of a <see cref="MobileFaceNet"/> (see <see cref="FaceBackbone.FuseForInference"/>): every
/// ConvBlock/LinearBlock BatchNorm folded into its convolution, the GDC head's BatchNorm1d folded into its linear layer.
/// </summary>
public sealed class FusedMobileFaceNet : FusedBackbone
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly ModuleList<nn.Module<Tensor, Tensor>> layers;
    private readonly FusedConvUnit conv_sep;
    private readonly nn.Module<Tensor, Tensor> features;

    internal FusedMobileFaceNet(ModelSpec spec, IEnumerable<nn.Module<Tensor, Tensor>> layers, FusedConvUnit convSep, nn.Module<Tensor, Tensor> features, bool channelsLast)
        : base(spec, channelsLast)
    {
        this.layers = new ModuleList<nn.Module<Tensor, Tensor>>(layers.ToArray());
        conv_sep = convSep;
        this.features = features;
        RegisterFrozen();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = PrepareInput(input, ((FusedConvUnit)layers[0]).Weight);
        foreach (var layer in layers) x = layer.forward(x);
        x = conv_sep.forward(CastLike(x, conv_sep.Weight));
        return features.forward(x).MoveToOuterDisposeScope();
    }

    internal override string ToOnnx(OnnxGraphBuilder graph, string input)
    {
        var x = input;
        var i = 0;
        foreach (var layer in layers) x = graph.Module(layer, x, $"layers.{i++}");
        x = graph.Module(conv_sep, x, "conv_sep");
        return graph.Module(features, x, "features");
    }

    /// <inheritdoc/>
    public override void UseHalfPrecisionTrunk() => layers.half();
}

/// <summary>Inference form of MobileFaceNet's DepthWise block: three fused units, optional identity add.</summary>
internal sealed class FusedMbfDepthWise : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Sequential layers;
    private readonly bool residual;

    public FusedMbfDepthWise(IEnumerable<nn.Module<Tensor, Tensor>> units, bool residual) : base(nameof(FusedMbfDepthWise))
    {
        layers = nn.Sequential(units.ToArray());
        this.residual = residual;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!residual) return layers.forward(x);
        using var scope = NewDisposeScope();
        return layers.forward(x).add_(x, Scalars.One).MoveToOuterDisposeScope();
    }

    public string ToOnnx(OnnxGraphBuilder graph, string x, string name)
    {
        var y = graph.Module(layers, x, name + ".layers");
        return residual ? graph.Add(y, x, name + ".add") : y;
    }
}

/// <summary>Inference form of the GDC head: folded k x k depthwise conv, flatten, folded linear (bias = BN1d shift).</summary>
internal sealed class FusedMbfGdc : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly FusedConvUnit conv;
    private readonly Linear linear;

    public FusedMbfGdc(FusedConvUnit conv, Linear linear) : base(nameof(FusedMbfGdc))
    {
        this.conv = conv;
        this.linear = linear;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear.forward(conv.forward(x).flatten(1)).MoveToOuterDisposeScope();
    }

    public string ToOnnx(OnnxGraphBuilder graph, string x, string name) =>
        graph.Gemm(linear, graph.Flatten(graph.Module(conv, x, name + ".conv"), name + ".flatten"), name + ".linear");
}
