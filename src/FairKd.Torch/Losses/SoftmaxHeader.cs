using FairKd.Torch.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>
/// Plain softmax classification (no margin): logits <c>raw · kernel + bias</c> of the raw (unnormalised) embedding,
/// rebuilt as <c>embeddings * norms</c>. It is a linear layer on the backbone output, so a backbone trained with it plus
/// its <c>kernel</c>/<c>bias</c> is exactly an <see cref="Inference.EthnicityNet"/> (head.weight = kernelᵀ, head.bias = bias).
/// Used for the 4-way ethnicity classifier (`fairkd train --target group`). Registry name <c>softmax</c>.
/// </summary>
public sealed class SoftmaxHeader : MarginHeader
{
    /// <summary>Creates the header (kernel N(0, 0.01), bias 0).</summary>
    public SoftmaxHeader(int embeddingSize, int classes, long seed = 0) : base("Softmax", embeddingSize, classes, 1.0, seed)
    {
        bias = new Parameter(zeros(classes));
        register_parameter("bias", bias);
    }

    /// <summary>Per-class bias.</summary>
#pragma warning disable IDE1006, CA1051 // field name is the PyTorch state_dict key
    public readonly Parameter bias;
#pragma warning restore IDE1006, CA1051

    /// <inheritdoc />
    public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels)
    {
        CheckLabels(labels, embeddings.shape[0]);
        return embeddings.mul(norms).mm(kernel).add(bias, Scalars.One);
    }
}
