using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>
/// The header of a run without a margin loss (<c>fairkd train --loss none</c>): the student learns from the cached
/// teacher embeddings alone, so images need no identity labels. It holds a one-column kernel only so that checkpoints
/// keep their shape (header.pth, optimiser group 1); the kernel never receives a gradient and never changes, and
/// <see cref="forward"/> is never called by the trainer.
/// </summary>
public sealed class KdOnlyHeader : MarginHeader
{
    /// <summary>The name <c>fairkd train --loss</c> takes.</summary>
    public const string LossName = "none";

    /// <summary>Creates it for embeddings of width <paramref name="embeddingSize"/>.</summary>
    public KdOnlyHeader(int embeddingSize) : base("KdOnly", embeddingSize, 1, 1.0, 0)
    {
    }

    /// <summary>Not used: a KD-only run has no margin logits.</summary>
    public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels) =>
        throw new InvalidOperationException("--loss none has no margin logits: the trainer computes the KD term only");
}
