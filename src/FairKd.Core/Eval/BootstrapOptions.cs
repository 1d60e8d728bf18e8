using System.Globalization;

namespace FairKd.Core.Eval;

/// <summary>
/// Settings of the identity-level bootstrap (<see cref="IdentityBootstrap"/>).
/// </summary>
public sealed record BootstrapOptions
{
    /// <summary>Resamples. Default 1,000; 0 disables the bootstrap (no intervals).</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed of the resampling streams (<see cref="SplitMix64.StreamSeed"/>). Default 1.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Two-sided confidence of the percentile intervals. Default 0.95 (the 2.5 % and 97.5 % quantiles).</summary>
    public double Confidence { get; init; } = 0.95;

    /// <summary>The defaults.</summary>
    public static BootstrapOptions Default { get; } = new();

    /// <summary>True when intervals are computed (<see cref="Resamples"/> &gt; 0).</summary>
    public bool Enabled => Resamples > 0;

    /// <summary>Throws <see cref="UsageException"/> (exit 2) naming the option to fix.</summary>
    public void Validate()
    {
        if (Resamples is < 0 or > 1_000_000)
            throw new UsageException($"--bootstrap must be 0 (off) or a number of resamples up to 1000000 (got {Resamples})");
        if (Enabled && Resamples < 100)
            throw new UsageException($"--bootstrap {Resamples}: a 95% percentile interval needs at least 100 resamples (use 0 to turn the bootstrap off)");
        if (!(Confidence > 0 && Confidence < 1))
            throw new UsageException($"bootstrap confidence must be in (0, 1) (got {Confidence.ToString(CultureInfo.InvariantCulture)})");
    }
}

/// <summary>The bootstrap settings recorded in eval.json (protocol.bootstrap).</summary>
/// <param name="Resamples">Number of resamples.</param>
/// <param name="Seed">Seed of the streams.</param>
/// <param name="Confidence">Two-sided confidence of the intervals.</param>
/// <param name="Method">How resamples and intervals are formed (<see cref="Description"/>).</param>
public sealed record BootstrapInfo(int Resamples, ulong Seed, double Confidence, string Method)
{
    /// <summary>The method text every FairKd run records.</summary>
    public const string Description =
        "identity bootstrap: per set, identities (first-appearance order) drawn with replacement, as many as the set has, by " +
        "SplitMix64 seeded with seed XOR FNV-1a-64(set name) (unbiased index by rejection); a pair enters once per draw of each " +
        "of its identities (genuine: m(a), impostor: m(a) x m(b)) keeping its fold; accuracy = the 10-fold protocol on the " +
        "weighted pairs (mean over held-out folds with weight); percentile interval (numpy 'linear' quantiles)";

    /// <summary>The record of <paramref name="o"/>, or null when the bootstrap is off.</summary>
    public static BootstrapInfo? From(BootstrapOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return o.Enabled ? new BootstrapInfo(o.Resamples, o.Seed, o.Confidence, Description) : null;
    }
}
