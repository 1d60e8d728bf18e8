using System.Globalization;
using FairKd.Core.Pipeline;

namespace FairKd.Data.Manifest.Audit;

/// <summary>
/// Options of `fairkd manifest audit` (<see cref="ManifestAuditStage"/>: identity overlap between a release, or every image of
/// its caches, and evaluation sets, plus exact and near duplicates), as the command takes them: NAME=CACHE entries and the
/// identity threshold stay strings; the defaults are the command's.
/// </summary>
public sealed record ManifestAuditOptions : IStageOptions
{
    /// <summary>The release folder (the command's optional positional argument). Null: every image of <see cref="Caches"/>
    /// is the training set.</summary>
    public string? Release { get; init; }

    /// <summary>Teacher embedding caches of the training images (<c>--cache</c>, repeatable). At least one is required.</summary>
    public IReadOnlyList<string> Caches { get; init; } = [];

    /// <summary>Evaluation sets, NAME=CACHE (<c>--eval</c>, repeatable): embedding caches of the same teacher. At least one is required.</summary>
    public IReadOnlyList<string> Eval { get; init; } = [];

    /// <summary>Folder for audit.json and audit.md (<c>--out</c>). Required.</summary>
    public string? OutDir { get; init; }

    /// <summary>Identity pairs with centroid cosine at least this overlap, or "auto": above the closest two distinct identities
    /// of every evaluation set (<c>--identity-threshold</c>). Default "0.9".</summary>
    public string IdentityThreshold { get; init; } = DefaultIdentityThreshold;

    /// <summary>Training image pairs with embedding cosine at least this are near-duplicates (<c>--near-duplicate-threshold</c>). Default 0.98.</summary>
    public double NearDuplicateThreshold { get; init; } = 0.98;

    /// <summary>Compare every image pair up to this many training images, else LSH (<c>--exact-up-to</c>). Default 20,000.</summary>
    public int ExactUpTo { get; init; } = 20_000;

    /// <summary>LSH hash tables above <see cref="ExactUpTo"/> (<c>--lsh-tables</c>). Default 40.</summary>
    public int LshTables { get; init; } = 40;

    /// <summary>LSH sign bits per table (<c>--lsh-bits</c>). Default 20.</summary>
    public int LshBits { get; init; } = 20;

    /// <summary>Worker threads (<c>--threads</c>). Null: the number of cores.</summary>
    public int? Threads { get; init; }

    private const string DefaultIdentityThreshold = "0.9";

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string>();
        foreach (var c in Caches) a.AddRange(["--cache", c]);
        foreach (var e in Eval) a.AddRange(["--eval", e]);
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (IdentityThreshold != DefaultIdentityThreshold) a.AddRange(["--identity-threshold", IdentityThreshold]);
        if (NearDuplicateThreshold != 0.98) a.AddRange(["--near-duplicate-threshold", NearDuplicateThreshold.ToString("R", CultureInfo.InvariantCulture)]);
        if (ExactUpTo != 20_000) a.AddRange(["--exact-up-to", ExactUpTo.ToString(CultureInfo.InvariantCulture)]);
        if (LshTables != 40) a.AddRange(["--lsh-tables", LshTables.ToString(CultureInfo.InvariantCulture)]);
        if (LshBits != 20) a.AddRange(["--lsh-bits", LshBits.ToString(CultureInfo.InvariantCulture)]);
        if (Threads is { } t) a.AddRange(["--threads", t.ToString(CultureInfo.InvariantCulture)]);
        return StageArgs.With(["manifest", "audit"], [Release], a);
    }
}
