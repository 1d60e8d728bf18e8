namespace FairKd.Core.Sampling;

/// <summary>What a target counts.</summary>
public enum TargetKind
{
    /// <summary>Remove exactly <see cref="SamplingTarget.Value"/> identities (the study's N_remove).</summary>
    RemoveIdentities,

    /// <summary>Remove identities until exactly <see cref="SamplingTarget.Value"/> remain.</summary>
    KeepIdentities,

    /// <summary>Remove identities, one at a time, while the kept images exceed <see cref="SamplingTarget.Value"/>; the
    /// first state with at most that many images is the result (so the kept total may end below the value).</summary>
    KeepImagesAtMost,
}

/// <summary>When removal stops. Values larger than what exists are errors (UsageException), not no-ops;
/// <c>KeepIdentities(N)</c> with N = all identities is allowed and removes nothing.</summary>
public sealed record SamplingTarget(TargetKind Kind, long Value)
{
    /// <summary>Remove exactly <paramref name="identities"/> identities.</summary>
    public static SamplingTarget Remove(int identities) => new(TargetKind.RemoveIdentities, identities);

    /// <summary>Remove until exactly <paramref name="identities"/> identities remain.</summary>
    public static SamplingTarget Keep(int identities) => new(TargetKind.KeepIdentities, identities);

    /// <summary>Remove until the kept identities hold at most <paramref name="images"/> images.</summary>
    public static SamplingTarget KeepImages(long images) => new(TargetKind.KeepImagesAtMost, images);

    /// <summary>The target in words, as logs and the data card show it ("keep 5000 identities").</summary>
    public override string ToString() => Kind switch
    {
        TargetKind.RemoveIdentities => $"remove {Value} identities",
        TargetKind.KeepIdentities => $"keep {Value} identities",
        _ => $"keep at most {Value} images",
    };
}

/// <summary>What a Mix real-fraction quota counts.</summary>
public enum QuotaUnit
{
    /// <summary>The fraction counts kept identities (needs an identity target).</summary>
    Identities,

    /// <summary>The fraction counts kept images (needs a <see cref="TargetKind.KeepImagesAtMost"/> target).</summary>
    Images,
}

/// <summary>
/// A Mix quota: the kept set should hold <c>round(RealFraction * target)</c> real identities (or images) and the rest
/// synthetic. Identities units need an identity target, image units a <see cref="TargetKind.KeepImagesAtMost"/> target.
/// Rule (see <see cref="IdentitySampler"/>): a source side may lose an identity only while its kept amount is above its
/// quota; the quota is a floor checked before each removal.
/// </summary>
public sealed record RealQuota(double RealFraction, QuotaUnit Unit);
