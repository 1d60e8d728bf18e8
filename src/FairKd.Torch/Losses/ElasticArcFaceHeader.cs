using FairKd.Torch.Interop;
using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>How ElasticArcFace+ pairs the sorted margins with the samples.</summary>
public enum ElasticPlusOrder
{
    /// <summary>
    /// Rank assignment (the paper's description): the sample with the k-th highest target cosine gets the k-th
    /// smallest margin, i.e. <c>assigned[argsort_desc(cos_y)[k]] = sort_asc(margins)[k]</c> (a scatter): easy samples
    /// (close to their class centre) get small margins, hard samples large ones.
    /// </summary>
    Rank,

    /// <summary>
    /// Upstream ElasticFace code (utils/losses.py, <c>plus=True</c>): <c>assigned[i] = sort_asc(margins)[argsort_desc(cos_y)[i]]</c>
    /// (a gather with the argsort, i.e. the inverse permutation of <see cref="Rank"/>; the two agree only when the
    /// permutation is its own inverse).
    /// </summary>
    UpstreamGather,
}

/// <summary>
/// ElasticArcFace (Boutros et al. 2022): each sample i gets its own margin m_i ~ N(m, sigma) (drawn from
/// <see cref="Random"/>, a seeded .NET source), target logit <c>s * cos(theta_y + m_i)</c>, others <c>s * cos(theta)</c>.
/// With <see cref="Plus"/> the margins are sorted against the target cosines (see <see cref="ElasticPlusOrder"/>).
/// </summary>
public sealed class ElasticArcFaceHeader : MarginHeader, IStochasticHeader
{
    /// <summary>Creates the header; <paramref name="seed"/> seeds both the kernel init and the margin source.</summary>
    public ElasticArcFaceHeader(int embeddingSize, int classes, double scale = 64.0, double margin = 0.5, double sigma = 0.05,
        bool plus = false, ElasticPlusOrder order = ElasticPlusOrder.Rank, long seed = 0)
        : base(plus ? "ElasticArcFacePlus" : "ElasticArcFace", embeddingSize, classes, scale, seed)
    {
        if (sigma < 0) throw new ArgumentOutOfRangeException(nameof(sigma), "sigma must be >= 0");
        Margin = margin;
        Sigma = sigma;
        Plus = plus;
        Order = order;
        Random = new SeededNormal(seed ^ 0x5EEDE1A5L);
    }

    /// <summary>Mean margin m.</summary>
    public double Margin { get; }

    /// <summary>Standard deviation of the margins.</summary>
    public double Sigma { get; }

    /// <summary>True for ElasticArcFace+.</summary>
    public bool Plus { get; }

    /// <summary>Margin pairing of the Plus variant.</summary>
    public ElasticPlusOrder Order { get; }

    /// <inheritdoc />
    public SeededNormal Random { get; }

    /// <summary>Draws margins for one batch and computes the logits.</summary>
    public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels)
    {
        var n = (int)embeddings.shape[0];
        var margins = new float[n];
        Random.FillNormal(margins, Margin, Sigma);
        return LogitsWithMargins(embeddings, labels, tensor(margins, device: embeddings.device));
    }

    /// <summary>The logits for explicit per-sample margins [N] (before the Plus sorting, which is applied here).</summary>
    public Tensor LogitsWithMargins(Tensor embeddings, Tensor labels, Tensor margins)
    {
        var cos = Cosines(embeddings);
        CheckLabels(labels, cos.shape[0]);
        var cosY = cos.gather(1, labels.unsqueeze(1));
        var assigned = Plus ? SortMargins(cosY.detach().squeeze(1), margins) : margins;
        var target = cosY.acos().add(assigned.unsqueeze(1), Scalars.One).cos();
        return ScaledWithTarget(cos, labels, target);
    }

    private Tensor SortMargins(Tensor cosY, Tensor margins)
    {
        using var noGrad = no_grad();
        var order = cosY.argsort(0, descending: true);
        var sorted = margins.sort(0).Values;
        return Order == ElasticPlusOrder.Rank
            ? zeros_like(sorted).scatter(0, order, sorted)
            : sorted.index_select(0, order);
    }
}
