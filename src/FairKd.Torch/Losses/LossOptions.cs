using FairKd.Core;

namespace FairKd.Torch.Losses;

/// <summary>
/// Settings of a margin loss. Null values take the loss's own default: scale 64 for all; margin 0.5 (ArcFace,
/// ElasticArcFace[+]), 0.35 (CosFace, ElasticFace's CosFace), 0.4 (AdaFace); t_alpha 0.01 (AdaFace as published)
/// or 1.0 (adaface-study). The study's losses (AdaFace, ElasticArcFace) take their values from <see cref="StudyDefaults"/>;
/// ArcFace's and CosFace's margins and AdaFace's published t_alpha are those losses' own published values.
/// </summary>
/// <param name="Scale">Logit scale s (default 64).</param>
/// <param name="Margin">Margin m (default per loss, see above).</param>
/// <param name="Sigma">ElasticArcFace margin standard deviation (default 0.05).</param>
/// <param name="H">AdaFace margin-scaler concentration h (default 0.333).</param>
/// <param name="TAlpha">AdaFace EMA weight t_alpha (default per mode, see above).</param>
/// <param name="PlusOrder">ElasticArcFace+ margin pairing (default <see cref="ElasticPlusOrder.Rank"/>).</param>
/// <param name="Seed">Seeds the kernel initialisation and the Elastic margin source (default 0).</param>
public sealed record LossOptions(
    double? Scale = null,
    double? Margin = null,
    double Sigma = StudyDefaults.ElasticStd,
    double H = StudyDefaults.AdaFaceH,
    double? TAlpha = null,
    ElasticPlusOrder PlusOrder = ElasticPlusOrder.Rank,
    long Seed = 0)
{
    /// <summary>All defaults.</summary>
    public static LossOptions Default { get; } = new();
}

/// <summary>Creates margin headers by name.</summary>
public static class LossRegistry
{
    /// <summary>The accepted loss names.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["arcface", "cosface", "elasticarcface", "elasticarcface-plus", "adaface", "adaface-study", "softmax"];

    /// <summary>Creates the header for <paramref name="name"/> (case-insensitive); unknown names or bad sizes throw <see cref="UsageException"/>.</summary>
    public static MarginHeader Create(string name, int embeddingSize, int classes, LossOptions? options = null)
    {
        var o = options ?? LossOptions.Default;
        if (embeddingSize < 1 || classes < 1)
            throw new UsageException($"loss {name}: embedding size ({embeddingSize}) and classes ({classes}) must be >= 1");
        if (o.Scale is <= 0) throw new UsageException($"loss {name}: scale must be > 0, got {o.Scale}");
        if (o.Sigma < 0) throw new UsageException($"loss {name}: sigma must be >= 0, got {o.Sigma}");
        if (o.TAlpha is <= 0 or > 1) throw new UsageException($"loss {name}: t_alpha must be in (0, 1], got {o.TAlpha}");
        var s = o.Scale ?? StudyDefaults.MarginScale;
        return (name ?? "").ToLowerInvariant() switch
        {
            "arcface" => new ArcFaceHeader(embeddingSize, classes, s, o.Margin ?? 0.5, o.Seed),
            "cosface" => new CosFaceHeader(embeddingSize, classes, s, o.Margin ?? 0.35, o.Seed),
            "elasticarcface" => new ElasticArcFaceHeader(embeddingSize, classes, s, o.Margin ?? StudyDefaults.ElasticMargin, o.Sigma, false, o.PlusOrder, o.Seed),
            "elasticarcface-plus" => new ElasticArcFaceHeader(embeddingSize, classes, s, o.Margin ?? StudyDefaults.ElasticMargin, o.Sigma, true, o.PlusOrder, o.Seed),
            "adaface" => new AdaFaceHeader(embeddingSize, classes, s, o.Margin ?? StudyDefaults.AdaFaceMargin, o.H, o.TAlpha ?? 0.01, false, o.Seed),
            "adaface-study" => new AdaFaceHeader(embeddingSize, classes, s, o.Margin ?? StudyDefaults.AdaFaceMargin, o.H, o.TAlpha ?? StudyDefaults.AdaFaceTAlpha, true, o.Seed),
            "softmax" => new SoftmaxHeader(embeddingSize, classes, o.Seed),
            _ => throw new UsageException($"unknown loss '{name}': use one of {string.Join(", ", Names)}"),
        };
    }
}
