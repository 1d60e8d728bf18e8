using FairKd.Torch.Export;
using FairKd.Torch.Interop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Models.Fused;

/// <summary>
/// Inference form of an <see cref="IResNet"/> (see <see cref="FaceBackbone.FuseForInference"/>): the stem BN and
/// each block's bn2/bn3 and downsample BN are folded into the convolution before them; the final BN2d and the
/// <c>features</c> BatchNorm are folded into <c>fc</c>; dropout (identity in eval) is gone. Each block's bn1 stays a
/// BatchNorm: it precedes a zero-padded convolution, so folding it would change the border pixels.
/// </summary>
public sealed class FusedIResNet : FusedBackbone
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly FusedConvUnit stem;
    private readonly ModuleList<FusedIBasicBlock> blocks;
    private readonly Linear fc;

    internal FusedIResNet(ModelSpec spec, FusedConvUnit stem, IEnumerable<FusedIBasicBlock> blocks, Linear fc, bool channelsLast)
        : base(spec, channelsLast)
    {
        this.stem = stem;
        this.blocks = new ModuleList<FusedIBasicBlock>(blocks.ToArray());
        this.fc = fc;
        RegisterFrozen();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = PrepareInput(input, stem.Weight);
        x = stem.forward(x);
        foreach (var b in blocks) x = b.forward(x);
        x = x.flatten(1);
        return fc.forward(CastLike(x, fc.weight!)).MoveToOuterDisposeScope();
    }

    internal override string ToOnnx(OnnxGraphBuilder graph, string input)
    {
        var x = graph.Module(stem, input, "stem");
        var i = 0;
        foreach (var b in blocks) x = graph.Module(b, x, $"blocks.{i++}");
        return graph.Gemm(fc, graph.Flatten(x, "flatten"), "fc");
    }

    /// <inheritdoc/>
    public override void UseHalfPrecisionTrunk()
    {
        stem.half();
        blocks.half();
    }
}

/// <summary>Inference form of <see cref="IBasicBlock"/>: BN, conv+PReLU, conv (stride), plus the shortcut.</summary>
internal sealed class FusedIBasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly GcSafeBatchNorm bn1;
    private readonly FusedConvUnit conv1;
    private readonly FusedConvUnit conv2;
    private readonly FusedConvUnit? downsample;

    public FusedIBasicBlock(GcSafeBatchNorm bn1, FusedConvUnit conv1, FusedConvUnit conv2, FusedConvUnit? downsample) : base(nameof(FusedIBasicBlock))
    {
        this.bn1 = bn1;
        this.conv1 = conv1;
        this.conv2 = conv2;
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var o = conv2.forward(conv1.forward(bn1.forward(x)));
        var identity = downsample is null ? x : downsample.forward(x);
        return o.add_(identity, Scalars.One).MoveToOuterDisposeScope();
    }

    public string ToOnnx(OnnxGraphBuilder graph, string x, string name)
    {
        var o = graph.BatchNorm(bn1, x, name + ".bn1");
        o = graph.Module(conv2, graph.Module(conv1, o, name + ".conv1"), name + ".conv2");
        var identity = downsample is null ? x : graph.Module(downsample, x, name + ".downsample");
        return graph.Add(o, identity, name + ".add");
    }
}
