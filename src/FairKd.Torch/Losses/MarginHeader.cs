using FairKd.Torch.Interop;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>
/// A margin-based classification header: holds the class-weight <c>kernel</c> [embedding, classes]
/// (initialised N(0, 0.01), L2-normalised per class column at every forward, as ElasticFace's
/// <c>l2_norm(kernel, axis=0)</c>) and turns embeddings into margin logits. The loss is
/// cross-entropy of the returned logits against the labels.
/// Inputs of <c>forward</c>: <c>embeddings</c> [N, D] L2-normalised; <c>norms</c> [N, 1] the L2 norms of the
/// embeddings before normalisation (only AdaFace uses them); <c>labels</c> [N] int64 class indices.
/// </summary>
public abstract class MarginHeader : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>Creates the header and initialises the kernel from a generator seeded with <paramref name="seed"/>.</summary>
    protected MarginHeader(string name, int embeddingSize, int classes, double scale, long seed) : base(name)
    {
        if (embeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(embeddingSize), "embedding size must be >= 1");
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), "classes must be >= 1");
        EmbeddingSize = embeddingSize;
        Classes = classes;
        Scale = scale;
        using var generator = new Generator((ulong)seed);
        var weight = empty(embeddingSize, classes);
        nn.init.normal_(weight, 0.0, 0.01, generator);
        kernel = new Parameter(weight);
        register_parameter("kernel", kernel);
    }

    /// <summary>The class weights [embedding, classes] (PyTorch attribute name <c>kernel</c>).</summary>
#pragma warning disable IDE1006, CA1051 // field name is the PyTorch state_dict key
    public readonly Parameter kernel;
#pragma warning restore IDE1006, CA1051

    /// <summary>Embedding width D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Logit scale s.</summary>
    public double Scale { get; }

    /// <summary>Cosines [N, classes] between the (normalised) embeddings and the normalised class columns, clamped to [-1, 1].</summary>
    public Tensor Cosines(Tensor embeddings)
    {
        if (embeddings.ndim != 2 || embeddings.shape[1] != EmbeddingSize)
            throw new ArgumentException($"embeddings must be [N, {EmbeddingSize}], got [{string.Join(", ", embeddings.shape)}]");
        using var kernelNorm = nn.functional.normalize(kernel, 2.0, 0, 1e-12);
        return embeddings.mm(kernelNorm).clamp(Scalars.Of(-1.0), Scalars.Of(1.0));
    }

    /// <summary>
    /// The <c>norms</c> [N, 1] the trainer passes to <c>forward</c>: by default the L2 norms of the raw (pre-normalisation)
    /// embeddings. AdaFace's study-compatible mode overrides it with the norms of the normalised embedding.
    /// </summary>
    public virtual Tensor InputNorms(Tensor rawEmbeddings, Tensor normalised) => rawEmbeddings.norm(1, keepdim: true);

    /// <summary>Checks the label tensor: int64, [N], every value in [0, classes).</summary>
    protected void CheckLabels(Tensor labels, long n)
    {
        if (labels.dtype != ScalarType.Int64 || labels.ndim != 1 || labels.shape[0] != n)
            throw new ArgumentException($"labels must be int64 [{n}]");
        if (n == 0) return;
        using var minT = labels.min();
        using var maxT = labels.max();
        var min = minT.item<long>();
        var max = maxT.item<long>();
        if (min < 0 || max >= Classes) throw new ArgumentException($"labels must lie in [0, {Classes}), got [{min}, {max}]");
    }

    /// <summary>Replaces column <c>labels[i]</c> of row i of <paramref name="cos"/> by <paramref name="target"/>[i] and scales by s.</summary>
    protected Tensor ScaledWithTarget(Tensor cos, Tensor labels, Tensor target) =>
        cos.scatter(1, labels.unsqueeze(1), target).mul(Scalars.Of(Scale));
}
