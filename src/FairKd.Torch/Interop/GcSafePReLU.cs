using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Interop;

/// <summary>
/// PReLU with one learnable slope per channel (state_dict key <c>weight</c>, initial 0.25 as PyTorch), forward
/// <c>F.prelu</c>. TorchSharp's <c>nn.PReLU</c> fills its weight with a temporary Scalar in the constructor (README.md
/// in this folder), so a collection during construction could leave a garbage initial slope.
/// </summary>
public sealed class GcSafePReLU : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates <paramref name="channels"/> slopes, each <paramref name="init"/>.</summary>
    public GcSafePReLU(long channels, double init = 0.25) : base("PReLU")
    {
        NumParameters = channels;
        using (no_grad())
        {
            var w = empty(channels);
            w.fill_(Scalars.Of(init));
            // a module built inside a caller's dispose scope must not lose its weight when that scope ends
            register_parameter("weight", (Parameter)new Parameter(w).DetachFromDisposeScope());
        }
    }

    /// <summary>Number of slopes (channels).</summary>
    public long NumParameters { get; }

    /// <summary>The slopes [C].</summary>
    public Parameter Weight => (Parameter)get_parameter("weight")!;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.prelu(input, Weight);
}
