using FairKd.Torch.Interop;
using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>ArcFace: target logit <c>s * cos(theta_y + m)</c>, others <c>s * cos(theta)</c> (ElasticFace's ArcFace: no easy-margin threshold).</summary>
public sealed class ArcFaceHeader(int embeddingSize, int classes, double scale = 64.0, double margin = 0.5, long seed = 0)
    : MarginHeader("ArcFace", embeddingSize, classes, scale, seed)
{
    /// <summary>Additive angular margin m.</summary>
    public double Margin { get; } = margin;

    /// <inheritdoc />
    public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels)
    {
        var cos = Cosines(embeddings);
        CheckLabels(labels, cos.shape[0]);
        var target = cos.gather(1, labels.unsqueeze(1)).acos().add(Scalars.Of(Margin), Scalars.One).cos();
        return ScaledWithTarget(cos, labels, target);
    }
}

/// <summary>CosFace: target logit <c>s * (cos(theta_y) - m)</c>, others <c>s * cos(theta)</c>. Default m 0.35 (ElasticFace's CosFace).</summary>
public sealed class CosFaceHeader(int embeddingSize, int classes, double scale = 64.0, double margin = 0.35, long seed = 0)
    : MarginHeader("CosFace", embeddingSize, classes, scale, seed)
{
    /// <summary>Additive cosine margin m.</summary>
    public double Margin { get; } = margin;

    /// <inheritdoc />
    public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels)
    {
        var cos = Cosines(embeddings);
        CheckLabels(labels, cos.shape[0]);
        var target = cos.gather(1, labels.unsqueeze(1)).sub(Scalars.Of(Margin));
        return ScaledWithTarget(cos, labels, target);
    }
}
