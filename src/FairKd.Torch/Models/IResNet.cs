using FairKd.Torch.Interop;
using FairKd.Torch.Models.Fused;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FairKd.Torch.Models;

/// <summary>
/// arcface_torch's IResNet (backbones/iresnet.py): stem conv3x3 + BN + PReLU, four stages of
/// <see cref="IBasicBlock"/> each starting with stride 2, then BN2d, flatten, dropout, Linear, BatchNorm
/// <c>features</c> whose weight is fixed at 1. State_dict keys: conv1, bn1, prelu, layer1.0.bn1 ..., bn2, fc, features.
/// </summary>
public sealed class IResNet : FaceBackbone
{
    /// <summary>Blocks per stage of each published depth.</summary>
    public static readonly IReadOnlyDictionary<int, int[]> Depths = new Dictionary<int, int[]>
    {
        [18] = [2, 2, 2, 2],
        [34] = [3, 4, 6, 3],
        [50] = [3, 4, 14, 3],
        [100] = [3, 13, 30, 3],
        [200] = [6, 26, 60, 6],
    };

    // Field names are the PyTorch attribute names (RegisterComponents uses them as state_dict keys).
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Conv2d conv1;
    private readonly GcSafeBatchNorm bn1;
    private readonly GcSafePReLU prelu;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly GcSafeBatchNorm bn2;
    private readonly Dropout dropout;
    private readonly Linear fc;
    private readonly GcSafeBatchNorm features;

    private readonly int[] blocks;

    /// <summary>An IResNet of <paramref name="spec"/> with <paramref name="blocks"/> basic blocks per stage (e.g. [3, 4, 6, 3] for
    /// iresnet34), initialised as arcface_torch does.</summary>
    public IResNet(ModelSpec spec, int[] blocks) : base(spec.Name, spec)
    {
        spec.Validate();
        if (blocks.Length != 4 || blocks.Any(b => b < 1))
            throw new ArgumentException("IResNet needs 4 stages of at least one block", nameof(blocks));
        this.blocks = (int[])blocks.Clone();
        var u = spec.BaseWidth;
        conv1 = Conv2d(3, u, 3, stride: 1, padding: 1, bias: false);
        bn1 = GcSafeBatchNorm.For2d(u, eps: 1e-5);
        prelu = new GcSafePReLU(u);
        var inplanes = u;
        layer1 = MakeLayer(ref inplanes, u, blocks[0]);
        layer2 = MakeLayer(ref inplanes, 2 * u, blocks[1]);
        layer3 = MakeLayer(ref inplanes, 4 * u, blocks[2]);
        layer4 = MakeLayer(ref inplanes, 8 * u, blocks[3]);
        bn2 = GcSafeBatchNorm.For2d(8 * u, eps: 1e-5);
        dropout = Dropout(spec.Dropout);
        var s = spec.FinalSpatial;
        fc = Linear(8L * u * s * s, spec.EmbeddingSize);
        features = GcSafeBatchNorm.For1d(spec.EmbeddingSize, eps: 1e-5);
        RegisterComponents();

        using (no_grad())
        {
            foreach (var m in modules())
            {
                if (m is Conv2d c) init.normal_(c.weight, 0, 0.1);
            }

            features.weight!.fill_(Scalars.Of(1.0));
        }

        features.weight!.requires_grad = false;
    }

    /// <summary>Blocks per stage.</summary>
    public IReadOnlyList<int> Blocks => blocks;

    private static Sequential MakeLayer(ref int inplanes, int planes, int count)
    {
        // Every stage starts with stride 2, so its first block always has the 1x1 projection shortcut.
        var downsample = Sequential(
            ("0", Conv2d(inplanes, planes, 1, stride: 2, bias: false)),
            ("1", GcSafeBatchNorm.For2d(planes, eps: 1e-5)));
        var list = new List<(string, Module<Tensor, Tensor>)> { ("0", new IBasicBlock(inplanes, planes, 2, downsample)) };
        inplanes = planes;
        for (var i = 1; i < count; i++) list.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new IBasicBlock(planes, planes, 1, null)));
        return Sequential(list);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = CastLike(input, conv1.weight!);
        x = prelu.forward(bn1.forward(conv1.forward(x)));
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        x = bn2.forward(x).flatten(1);
        x = dropout.forward(x);
        x = fc.forward(CastLike(x, fc.weight!));
        return features.forward(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override void UseHalfPrecisionTrunk()
    {
        foreach (var m in new Module[] { conv1, bn1, prelu, layer1, layer2, layer3, layer4, bn2 }) m.half();
    }

    /// <inheritdoc/>
    public override FaceBackbone FuseForInference(bool channelsLast = true)
    {
        var stem = new FusedConvUnit(BatchNormFolding.FoldConv(conv1, bn1, channelsLast), BatchNormFolding.CopyPrelu(prelu));
        var fused = new[] { layer1, layer2, layer3, layer4 }
            .SelectMany(layer => layer.children().Cast<IBasicBlock>())
            .Select(b => b.Fuse(channelsLast))
            .ToList();
        var head = BatchNormFolding.FoldLinear(fc, bn2, (long)Spec.FinalSpatial * Spec.FinalSpatial, features);
        return new FusedIResNet(Spec, stem, fused, head, channelsLast);
    }
}

/// <summary>
/// IResNet residual block: BN, conv3x3, BN, PReLU, conv3x3 (stride), BN, plus the shortcut; no activation after
/// the add. Keys: bn1, conv1, bn2, prelu, conv2, bn3, downsample.0 (conv1x1), downsample.1 (BN).
/// </summary>
public sealed class IBasicBlock : nn.Module<Tensor, Tensor>
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly GcSafeBatchNorm bn1;
    private readonly Conv2d conv1;
    private readonly GcSafeBatchNorm bn2;
    private readonly GcSafePReLU prelu;
    private readonly Conv2d conv2;
    private readonly GcSafeBatchNorm bn3;
    private readonly Sequential? downsample;

    /// <summary>A block from <paramref name="inplanes"/> to <paramref name="planes"/> channels; <paramref name="stride"/> on the second
    /// convolution; <paramref name="downsample"/> (1x1 convolution + BN) matches the shortcut when shape changes, else null.</summary>
    public IBasicBlock(int inplanes, int planes, int stride, Sequential? downsample) : base(nameof(IBasicBlock))
    {
        bn1 = GcSafeBatchNorm.For2d(inplanes, eps: 1e-5);
        conv1 = Conv2d(inplanes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = GcSafeBatchNorm.For2d(planes, eps: 1e-5);
        prelu = new GcSafePReLU(planes);
        conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn3 = GcSafeBatchNorm.For2d(planes, eps: 1e-5);
        this.downsample = downsample;
        RegisterComponents();
    }

    internal FusedIBasicBlock Fuse(bool channelsLast) => new(
        BatchNormFolding.CopyBatchNorm(bn1),
        new FusedConvUnit(BatchNormFolding.FoldConv(conv1, bn2, channelsLast), BatchNormFolding.CopyPrelu(prelu)),
        new FusedConvUnit(BatchNormFolding.FoldConv(conv2, bn3, channelsLast), null),
        downsample is null ? null : new FusedConvUnit(BatchNormFolding.FoldConv((Conv2d)downsample[0], (GcSafeBatchNorm)downsample[1], channelsLast), null));

    /// <summary>BN, 3x3 convolution, BN, PReLU, 3x3 convolution (strided), BN, plus the (downsampled) input.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var o = bn1.forward(x);
        o = conv1.forward(o);
        o = prelu.forward(bn2.forward(o));
        o = bn3.forward(conv2.forward(o));
        var identity = downsample is null ? x : downsample.forward(x);
        return o.add_(identity, Scalars.One).MoveToOuterDisposeScope();
    }
}
