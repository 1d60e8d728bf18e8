namespace FairKd.Data.Manifest.Audit;

/// <summary>Settings of <see cref="ReleaseAuditor"/> (<c>fairkd manifest audit</c>).</summary>
public sealed record AuditOptions
{
    /// <summary>Identity pairs (training, evaluation) whose centroid cosine is at least this are listed as overlapping.
    /// Default: 0.9 (measured on the demo data: data-manifests/README.md, "Audit"). Ignored with <see cref="AutoIdentityThreshold"/>.</summary>
    public double IdentityThreshold { get; init; } = 0.9;

    /// <summary>
    /// Calibrate the identity threshold on the evaluation sets themselves (<c>--identity-threshold auto</c>): a pair is listed
    /// when its cosine exceeds the closest pair of two different identities inside any evaluation set, i.e. when a training
    /// identity is closer to an evaluation identity than any two people the evaluation set itself tells apart.
    /// </summary>
    public bool AutoIdentityThreshold { get; init; }

    /// <summary>Image pairs inside the training set with embedding cosine at least this are near-duplicates.
    /// Default: 0.98 (measured on the demo data: data-manifests/README.md, "Audit").</summary>
    public double NearDuplicateThreshold { get; init; } = 0.98;

    /// <summary>Up to this many training images, near-duplicates are found by comparing every pair (exact); above it by
    /// random-hyperplane LSH (bounded work, recall below 1). Default: 20,000.</summary>
    public int ExactUpTo { get; init; } = 20_000;

    /// <summary>LSH: number of hash tables. Default: 40.</summary>
    public int LshTables { get; init; } = 40;

    /// <summary>LSH: sign bits per table key (drawn from a pool of 256 hyperplanes). Default: 20.</summary>
    public int LshBits { get; init; } = 20;

    /// <summary>LSH: seed of the hyperplanes and of the bits each table uses (fixed: same input, same output). Default: 1.</summary>
    public int LshSeed { get; init; } = 1;

    /// <summary>Worker threads. Default: the number of cores.</summary>
    public int Threads { get; init; } = Core.MachineDefaults.Workers;

    /// <summary>Closest identity pairs below the threshold listed per evaluation set (to judge the threshold). Default: 5.</summary>
    public int ClosestBelow { get; init; } = 5;

    /// <summary>UsageException naming the option to fix.</summary>
    public void Validate()
    {
        if (!(IdentityThreshold is > -1 and <= 1)) throw new Core.UsageException("--identity-threshold must be in (-1, 1]");
        if (!(NearDuplicateThreshold is > 0 and <= 1)) throw new Core.UsageException("--near-duplicate-threshold must be in (0, 1]");
        if (ExactUpTo < 0) throw new Core.UsageException("--exact-up-to must be >= 0");
        if (LshTables is < 1 or > 1000) throw new Core.UsageException("--lsh-tables must be in 1..1000");
        if (LshBits is < 1 or > 32) throw new Core.UsageException("--lsh-bits must be in 1..32");
        if (Threads < 1) throw new Core.UsageException("--threads must be >= 1");
    }
}
