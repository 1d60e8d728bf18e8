using FairKd.Torch.Export;
using FairKd.Torch.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Models.Fused;

/// <summary>A convolution with its BatchNorm folded in (bias), optionally followed by PReLU.</summary>
internal sealed class FusedConvUnit : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    // Field names are the PyTorch state_dict keys (snake_case as in arcface_torch): renaming one breaks saved weights.
    private readonly Conv2d conv;
    private readonly GcSafePReLU? prelu;

    public FusedConvUnit(Conv2d conv, GcSafePReLU? prelu) : base(nameof(FusedConvUnit))
    {
        this.conv = conv;
        this.prelu = prelu;
        RegisterComponents();
    }

    /// <summary>The convolution's weight (its dtype is the unit's dtype).</summary>
    public Tensor Weight => conv.weight!;

    public override Tensor forward(Tensor x)
    {
        var y = conv.forward(x);
        return prelu is null ? y : prelu.forward(y);
    }

    public string ToOnnx(OnnxGraphBuilder graph, string x, string name)
    {
        var y = graph.Conv(conv, x, name + ".conv");
        return prelu is null ? y : graph.PRelu(prelu, y, name + ".prelu");
    }
}
