using FairKd.Torch.Interop;
using FairKd.Torch.Models.Fused;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FairKd.Torch.Models;

/// <summary>
/// arcface_torch's MobileFaceNet (backbones/mobilefacenet.py, <c>get_mbf</c>: blocks (1, 4, 6, 2), scale 2), with
/// u = <see cref="ModelSpec.BaseWidth"/> (64 at width 1): layers.0 ConvBlock 3->2u s2; layers.1 ConvBlock 2u->2u
/// 3x3 groups u; layers.2 DepthWise 2u->2u s2 (inner 2u); layers.3 Residual x4 (inner 2u); layers.4 DepthWise
/// 2u->4u s2 (inner 4u); layers.5 Residual x6 (inner 4u); layers.6 DepthWise 4u->4u s2 (inner 8u); layers.7
/// Residual x2 (inner 4u); conv_sep ConvBlock 4u->8u 1x1; features = GDC: LinearBlock 8u depthwise k x k
/// (k = final spatial side), flatten, Linear 8u->E without bias, BatchNorm1d(E).
/// </summary>
public sealed class MobileFaceNet : FaceBackbone
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly ModuleList<Module<Tensor, Tensor>> layers;
    private readonly MbfConvBlock conv_sep;
    private readonly MbfGdc features;

    /// <summary>A MobileFaceNet of <paramref name="spec"/> (width, input size, embedding size), initialised as arcface_torch does.</summary>
    public MobileFaceNet(ModelSpec spec) : base(spec.Name, spec)
    {
        spec.Validate();
        if (spec.Dropout != 0) throw new Core.UsageException($"model {spec.Name}: MobileFaceNet has no dropout (got {spec.Dropout})");
        var u = spec.BaseWidth;
        layers = new ModuleList<Module<Tensor, Tensor>>(
            new MbfConvBlock(3, 2 * u, 3, 2, 1, 1),
            new MbfConvBlock(2 * u, 2 * u, 3, 1, 1, u),
            new MbfDepthWise(2 * u, 2 * u, false, 2, 2 * u),
            new MbfResidual(2 * u, 4, 2 * u),
            new MbfDepthWise(2 * u, 4 * u, false, 2, 4 * u),
            new MbfResidual(4 * u, 6, 4 * u),
            new MbfDepthWise(4 * u, 4 * u, false, 2, 8 * u),
            new MbfResidual(4 * u, 2, 4 * u));
        conv_sep = new MbfConvBlock(4 * u, 8 * u, 1, 1, 0, 1);
        features = new MbfGdc(8 * u, spec.FinalSpatial, spec.EmbeddingSize);
        RegisterComponents();

        // arcface_torch _initialize_weights: Kaiming normal (fan_out, ReLU) for conv and linear weights.
        using (no_grad())
        {
            foreach (var m in modules())
            {
                if (m is Conv2d c) init.kaiming_normal_(c.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                else if (m is Linear l) init.kaiming_normal_(l.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            }
        }
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = CastLike(input, ((MbfConvBlock)layers[0]).ConvWeight);
        foreach (var layer in layers) x = layer.forward(x);
        x = conv_sep.forward(CastLike(x, conv_sep.ConvWeight));
        return features.forward(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override void UseHalfPrecisionTrunk() => layers.half();

    /// <inheritdoc/>
    public override FaceBackbone FuseForInference(bool channelsLast = true) => new FusedMobileFaceNet(
        Spec,
        layers.Select(l => ((IFusable)l).Fuse(channelsLast)),
        conv_sep.Fuse(channelsLast),
        features.Fuse(channelsLast),
        channelsLast);
}

/// <summary>A MobileFaceNet part that has an inference form with its BatchNorms folded.</summary>
internal interface IFusable
{
    nn.Module<Tensor, Tensor> Fuse(bool channelsLast);
}

/// <summary>Conv2d (no bias) + BatchNorm + PReLU as <c>layers.0/1/2</c>.</summary>
internal sealed class MbfConvBlock : nn.Module<Tensor, Tensor>, IFusable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Sequential layers;

    public MbfConvBlock(int inC, int outC, int kernel, int stride, int padding, int groups) : base("ConvBlock")
    {
        layers = Sequential(
            ("0", Conv2d(inC, outC, kernel, stride: stride, padding: padding, groups: groups, bias: false)),
            ("1", GcSafeBatchNorm.For2d(outC)),
            ("2", new GcSafePReLU(outC)));
        RegisterComponents();
    }

    /// <summary>The convolution's weight (its dtype is the block's dtype).</summary>
    internal Tensor ConvWeight => ((Conv2d)layers[0]).weight!;

    public override Tensor forward(Tensor x) => layers.forward(x);

    public FusedConvUnit Fuse(bool channelsLast) => new(
        BatchNormFolding.FoldConv((Conv2d)layers[0], (GcSafeBatchNorm)layers[1], channelsLast), BatchNormFolding.CopyPrelu((GcSafePReLU)layers[2]));

    nn.Module<Tensor, Tensor> IFusable.Fuse(bool channelsLast) => Fuse(channelsLast);
}

/// <summary>Conv2d (no bias) + BatchNorm as <c>layers.0/1</c> (no activation).</summary>
internal sealed class MbfLinearBlock : nn.Module<Tensor, Tensor>, IFusable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Sequential layers;

    public MbfLinearBlock(int inC, int outC, int kernel, int stride, int padding, int groups) : base("LinearBlock")
    {
        layers = Sequential(
            ("0", Conv2d(inC, outC, kernel, stride: stride, padding: padding, groups: groups, bias: false)),
            ("1", GcSafeBatchNorm.For2d(outC)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.forward(x);

    public FusedConvUnit Fuse(bool channelsLast) => new(BatchNormFolding.FoldConv((Conv2d)layers[0], (GcSafeBatchNorm)layers[1], channelsLast), null);

    nn.Module<Tensor, Tensor> IFusable.Fuse(bool channelsLast) => Fuse(channelsLast);
}

/// <summary>1x1 expand to <c>inner</c>, 3x3 depthwise (stride), 1x1 linear project; optional identity add.</summary>
internal sealed class MbfDepthWise : nn.Module<Tensor, Tensor>, IFusable
{
    private readonly bool residual;
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Sequential layers;

    public MbfDepthWise(int inC, int outC, bool residual, int stride, int inner) : base("DepthWise")
    {
        this.residual = residual;
        layers = Sequential(
            ("0", new MbfConvBlock(inC, inner, 1, 1, 0, 1)),
            ("1", new MbfConvBlock(inner, inner, 3, stride, 1, inner)),
            ("2", new MbfLinearBlock(inner, outC, 1, 1, 0, 1)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!residual) return layers.forward(x);
        using var scope = NewDisposeScope();
        return layers.forward(x).add_(x, Scalars.One).MoveToOuterDisposeScope();
    }

    public nn.Module<Tensor, Tensor> Fuse(bool channelsLast) =>
        new FusedMbfDepthWise(layers.children().Select(c => ((IFusable)c).Fuse(channelsLast)), residual);
}

/// <summary>A stack of residual stride-1 <see cref="MbfDepthWise"/> blocks as <c>layers.N</c>.</summary>
internal sealed class MbfResidual : nn.Module<Tensor, Tensor>, IFusable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Sequential layers;

    public MbfResidual(int channels, int count, int inner) : base("Residual")
    {
        layers = Sequential(Enumerable.Range(0, count)
            .Select(i => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), (Module<Tensor, Tensor>)new MbfDepthWise(channels, channels, true, 1, inner))));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.forward(x);

    public nn.Module<Tensor, Tensor> Fuse(bool channelsLast) =>
        Sequential(layers.children().Select(c => ((IFusable)c).Fuse(channelsLast)).ToArray());
}

/// <summary>Global depthwise conv head: layers.0 LinearBlock (k x k depthwise), layers.1 flatten,
/// layers.2 Linear without bias, layers.3 BatchNorm.</summary>
internal sealed class MbfGdc : nn.Module<Tensor, Tensor>, IFusable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Sequential layers;

    public MbfGdc(int channels, int kernel, int embedding) : base("GDC")
    {
        layers = Sequential(
            ("0", new MbfLinearBlock(channels, channels, kernel, 1, 0, channels)),
            ("1", Flatten()),
            ("2", Linear(channels, embedding, hasBias: false)),
            ("3", GcSafeBatchNorm.For1d(embedding)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.forward(x);

    public nn.Module<Tensor, Tensor> Fuse(bool channelsLast) => new FusedMbfGdc(
        ((MbfLinearBlock)layers[0]).Fuse(channelsLast), BatchNormFolding.FoldLinear((Linear)layers[2], null, 1, (GcSafeBatchNorm)layers[3]));
}
