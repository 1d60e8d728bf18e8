using FairKd.Torch.Interop;
using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>
/// AdaFace (Kim et al. 2022, head.py). cos clamped to [-1+eps, 1-eps] (eps 1e-3); the feature norms are clipped to
/// [0.001, 100] and detached; running statistics <c>batch_mean = t_alpha * mean + (1 - t_alpha) * batch_mean</c> and the
/// same for <c>batch_std</c> (unbiased batch std; init 20 and 100) are updated first; then
/// <c>ms = clip(h * (norm - batch_mean) / (batch_std + eps), -1, 1)</c>, <c>g_angle = -m * ms</c>, <c>g_add = m + m * ms</c>,
/// target logit <c>s * (cos(clip(theta_y + g_angle, eps, pi - eps)) - g_add)</c>, other logits <c>s * cos(theta)</c>.
/// Buffers <c>t</c> (unused, kept so the state_dict keys match upstream), <c>batch_mean</c>, <c>batch_std</c>.
/// <para>
/// <see cref="StudyMode"/> reproduces the SynthGap study code: the "norms" are those of the already normalised
/// embedding (1 up to float rounding) and t_alpha is 1.0, so batch_mean ~ 1, batch_std ~ 0 and the margin scaler is
/// ~0 (|ms| of order h * 1e-7 / 1e-3, from float rounding only): the loss reduces to CosFace with m 0.4 and cos clamped
/// to [-1+1e-3, 1-1e-3], i.e. target <c>s * (cos(theta_y) - 0.4)</c>. Pass t_alpha 1.0 for that mode (the registry does).
/// </para>
/// Deviation: a batch of one sample has no unbiased std (upstream turns it into NaN); the std update is then skipped.
/// Training must pass the forward the batch it learns from (the running statistics change at every forward call).
/// </summary>
public sealed class AdaFaceHeader : MarginHeader
{
    private const double Eps = 1e-3;
    private readonly Tensor t;
    private readonly Tensor batchMean;
    private readonly Tensor batchStd;

    /// <summary>Creates the header (published defaults m 0.4, h 0.333, s 64, t_alpha 0.01).</summary>
    public AdaFaceHeader(int embeddingSize, int classes, double scale = 64.0, double margin = 0.4, double h = Core.StudyDefaults.AdaFaceH,
        double tAlpha = 0.01, bool studyMode = false, long seed = 0)
        : base(studyMode ? "AdaFaceStudy" : "AdaFace", embeddingSize, classes, scale, seed)
    {
        if (tAlpha is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(tAlpha), "t_alpha must be in (0, 1]");
        Margin = margin;
        H = h;
        TAlpha = tAlpha;
        StudyMode = studyMode;
        t = zeros(1);
        batchMean = ones(1).mul_(Scalars.Of(20.0));
        batchStd = ones(1).mul_(Scalars.Of(100.0));
        register_buffer("t", t);
        register_buffer("batch_mean", batchMean);
        register_buffer("batch_std", batchStd);
    }

    /// <summary>Margin m.</summary>
    public double Margin { get; }

    /// <summary>Margin-scaler concentration h.</summary>
    public double H { get; }

    /// <summary>EMA weight of the batch statistics.</summary>
    public double TAlpha { get; }

    /// <summary>True when the norms are taken from the normalised embedding (study-compatible mode).</summary>
    public bool StudyMode { get; }

    /// <summary>Current running mean of the clipped norms.</summary>
    public float RunningMean => batchMean.item<float>();

    /// <summary>Current running std of the clipped norms.</summary>
    public float RunningStd => batchStd.item<float>();

    /// <summary>Published: norms of the raw embedding; study mode: norms of the normalised embedding (1 up to rounding).</summary>
    public override Tensor InputNorms(Tensor rawEmbeddings, Tensor normalised) =>
        StudyMode ? normalised.norm(1, keepdim: true) : base.InputNorms(rawEmbeddings, normalised);

    /// <inheritdoc />
    public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels)
    {
        var cos = Cosines(embeddings).clamp(Scalars.Of(-1 + Eps), Scalars.Of(1 - Eps));
        var n = cos.shape[0];
        CheckLabels(labels, n);
        var raw = norms.ndim == 1 ? norms.unsqueeze(1) : norms;
        if (raw.shape[0] != n || raw.shape[1] != 1) throw new ArgumentException($"norms must be [{n}, 1]");
        var safe = raw.clip(Scalars.Of(0.001), Scalars.Of(100.0)).detach();
        using (no_grad())
        {
            batchMean.copy_(safe.mean().mul(Scalars.Of(TAlpha)).add(batchMean.mul(Scalars.Of(1 - TAlpha)), Scalars.One).reshape(1));
            if (n > 1) batchStd.copy_(safe.std().mul(Scalars.Of(TAlpha)).add(batchStd.mul(Scalars.Of(1 - TAlpha)), Scalars.One).reshape(1));
        }

        var ms = safe.sub(batchMean).div(batchStd.add(Scalars.Of(Eps), Scalars.One)).mul(Scalars.Of(H)).clip(Scalars.Of(-1.0), Scalars.Of(1.0));
        var gAngle = ms.mul(Scalars.Of(-Margin));
        var gAdd = ms.mul(Scalars.Of(Margin)).add(Scalars.Of(Margin), Scalars.One);
        var theta = cos.gather(1, labels.unsqueeze(1)).acos();
        var target = theta.add(gAngle, Scalars.One).clip(Scalars.Of(Eps), Scalars.Of(Math.PI - Eps)).cos().sub(gAdd);
        return ScaledWithTarget(cos, labels, target);
    }
}
