using FairKd.Torch.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Inference;

/// <summary>A registry backbone plus a 4-way linear head; state_dict keys <c>backbone.*</c>, <c>head.weight</c>,
/// <c>head.bias</c>. Forward returns the logits.</summary>
public sealed class EthnicityNet : nn.Module<Tensor, Tensor>
{
    // The field names are the state_dict key prefixes (backbone.*, head.*): renaming them breaks saved classifiers.
    private readonly FaceBackbone backbone;
    private readonly Linear head;

    /// <summary>A fresh (untrained) net: the registry backbone of <paramref name="backboneSpec"/> and a linear head from its embedding to <paramref name="classes"/> logits.</summary>
    public EthnicityNet(ModelSpec backboneSpec, int classes = 4) : base("EthnicityNet")
    {
        backbone = ModelRegistry.Create(backboneSpec);
        head = nn.Linear(backboneSpec.EmbeddingSize, classes);
        RegisterComponents();
    }

    private EthnicityNet(FaceBackbone backbone, Linear head) : base("EthnicityNet")
    {
        this.backbone = backbone;
        this.head = head;
        RegisterComponents();
        eval();
    }

    /// <summary>A new inference-only copy: the backbone's <see cref="FaceBackbone.FuseForInference"/> form and a float32
    /// CPU copy of the head. This net is left unchanged.</summary>
    public EthnicityNet FuseForInference(bool channelsLast = true)
    {
        var fused = backbone.FuseForInference(channelsLast);
        var copy = nn.Linear(head.in_features, head.out_features);
        using (no_grad())
        {
            copy.weight!.copy_(head.weight!.cpu().to_type(float32));
            copy.bias!.copy_(head.bias!.cpu().to_type(float32));
        }

        return new EthnicityNet(fused, copy);
    }

    /// <summary>The backbone (its spec gives the input size).</summary>
    public FaceBackbone Backbone => backbone;

    /// <summary>Copies a trained backbone and a <see cref="Losses.SoftmaxHeader"/>'s kernel/bias into this net
    /// (head.weight = kernelᵀ), so `fairkd train --target group` output loads as a classifier.</summary>
    public void SetFrom(nn.Module backboneWeights, Losses.SoftmaxHeader header)
    {
        ArgumentNullException.ThrowIfNull(backboneWeights);
        ArgumentNullException.ThrowIfNull(header);
        using var noGrad = no_grad();
        backbone.load_state_dict(backboneWeights.state_dict());
        head.weight!.copy_(header.kernel.t());
        head.bias!.copy_(header.bias);
    }

    /// <summary>Logits [N, classes] for a batch of aligned faces [N, 3, size, size].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var e = backbone.forward(x);
        return head.forward(e.to_type(head.weight!.dtype)).MoveToOuterDisposeScope();
    }
}
