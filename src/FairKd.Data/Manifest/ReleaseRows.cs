namespace FairKd.Data.Manifest;

/// <summary>One row of a release's <c>samples.csv</c> (a kept image). <paramref name="Sha256"/> is empty/null when not recorded.</summary>
public sealed record ReleaseSample(string Dataset, string Identity, string RelativePath, string Key, string? Sha256);

/// <summary>
/// One row of <c>identities.csv</c>. <paramref name="Group"/> is the assigned group name (null: none, e.g. an import
/// without folder groups); <paramref name="Score"/> is the protocol score as text (empty for imports);
/// <paramref name="RemovalOrder"/> is 1-based for removed identities, null for kept ones.
/// </summary>
public sealed record ReleaseIdentity(string Identity, string Dataset, string? Group, string Score, int Images, bool Kept, int? RemovalOrder);

/// <summary>File names and column headers of a release folder.</summary>
public static class ReleaseFiles
{
    /// <summary>The sample list: one row per released image, sorted by key (<see cref="SampleColumns"/>).</summary>
    public const string Samples = "samples.csv";

    /// <summary>Every candidate identity, kept or removed, with its score and removal order (<see cref="IdentityColumns"/>).</summary>
    public const string Identities = "identities.csv";

    /// <summary>The machine-readable data card (<see cref="DataCard"/>).</summary>
    public const string CardJson = "card.json";

    /// <summary>The readable data card.</summary>
    public const string CardMarkdown = "card.md";

    /// <summary>The Croissant (MLCommons JSON-LD) export of the card.</summary>
    public const string Croissant = "croissant.json";

    /// <summary>What `fairkd manifest audit` found (fairkd.audit/1).</summary>
    public const string AuditJson = "audit.json";

    /// <summary>The audit's readable summary.</summary>
    public const string AuditMarkdown = "audit.md";

    /// <summary>samples.csv's header.</summary>
    public static readonly IReadOnlyList<string> SampleColumns = ["dataset", "identity", "relative_path", "key", "sha256"];

    /// <summary>identities.csv's header.</summary>
    public static readonly IReadOnlyList<string> IdentityColumns = ["identity", "dataset", "group", "score", "images", "status", "removal_order"];

    /// <summary>identities.csv status of an identity in the release.</summary>
    public const string KeptStatus = "kept";

    /// <summary>identities.csv status of an identity the protocol removed.</summary>
    public const string RemovedStatus = "removed";
}
