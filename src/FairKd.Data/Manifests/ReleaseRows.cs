namespace FairKd.Data.Manifests;

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
    public const string Samples = "samples.csv";
    public const string Identities = "identities.csv";
    public const string CardJson = "card.json";
    public const string CardMarkdown = "card.md";
    public const string Croissant = "croissant.json";
    public const string AuditJson = "audit.json";
    public const string AuditMarkdown = "audit.md";

    public static readonly IReadOnlyList<string> SampleColumns = ["dataset", "identity", "relative_path", "key", "sha256"];

    public static readonly IReadOnlyList<string> IdentityColumns = ["identity", "dataset", "group", "score", "images", "status", "removal_order"];

    public const string KeptStatus = "kept";
    public const string RemovedStatus = "removed";
}
