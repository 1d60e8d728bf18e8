using System.Text;
using System.Text.Json;

namespace FairKd.Data.Manifest.Audit;

/// <summary>One side of the audit as recorded: name, cache fingerprints, counts.</summary>
public sealed record AuditSet(string Name, IReadOnlyList<string> Caches, long Images, long Identities);

/// <summary>A training identity and an evaluation identity whose centroids are close (cosine, 6 decimals).</summary>
public sealed record IdentityPair(string EvalSet, string TrainIdentity, string EvalIdentity, double Cosine, int TrainImages, int EvalImages);

/// <summary>Images with the same content hash: the training keys and the evaluation keys ("set/key").</summary>
public sealed record DuplicateGroup(string Sha256, IReadOnlyList<string> Training, IReadOnlyList<string> Eval);

/// <summary>Two training images whose embeddings are close (cosine, 6 decimals); SameContent when their hashes are equal.</summary>
public sealed record NearDuplicate(string A, string B, string IdentityA, string IdentityB, double Cosine, bool SameContent);

/// <summary>How near-duplicates were searched: "exact" (every pair) or "lsh" with its parameters and work done.</summary>
public sealed record NearDuplicateMethod(string Name, long PairsCompared, int? Tables, int? Bits, int? Seed, int? LargestBucket);

/// <summary>The closest two different identities inside one evaluation set (centroid cosine, 6 decimals): the highest similarity
/// that set's own labels say is not the same person, against which the identity threshold is judged.</summary>
public sealed record DistinctIdentityCeiling(double Cosine, string IdentityA, string IdentityB);

/// <summary>Per evaluation set: identity pairs above the threshold, the closest pairs below it, shared images, and the closest
/// pair of its own distinct identities (null with fewer than two identities; absent in audits written before it existed).</summary>
public sealed record AuditEvalResult(AuditSet Set, IReadOnlyList<IdentityPair> Overlapping, IReadOnlyList<IdentityPair> ClosestBelowThreshold, long SharedImages,
    DistinctIdentityCeiling? DistinctCeiling = null);

/// <summary><c>audit.json</c> (schema fairkd.audit/1): everything <c>fairkd manifest audit</c> found. No times or paths.</summary>
public sealed record AuditReport(
    string Schema,
    string? Release,
    string Teacher,
    AuditSet Training,
    double IdentityThreshold,
    double NearDuplicateThreshold,
    IReadOnlyList<AuditEvalResult> EvalSets,
    IReadOnlyList<DuplicateGroup> ExactDuplicates,
    NearDuplicateMethod NearDuplicateSearch,
    IReadOnlyList<NearDuplicate> NearDuplicates,
    long UnhashedImages)
{
    /// <summary>How the identity threshold was set: "given" (the option's value) or "auto" (just above the highest
    /// <see cref="AuditEvalResult.DistinctCeiling"/>); null in audits written before it existed.</summary>
    public string? IdentityThresholdRule { get; init; }

    /// <summary>What a reader must know about the thresholds, e.g. a given identity threshold that two distinct identities of an
    /// evaluation set exceed (so listed pairs may be different people).</summary>
    public IReadOnlyList<string> ThresholdWarnings { get; init; } = [];

    /// <summary>The schema name of this layout.</summary>
    public const string CurrentSchema = "fairkd.audit/1";

    /// <summary>Indented JSON, '\n' line ends.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DataCard.JsonOptions).ReplaceLineEndings("\n") + "\n";

    /// <summary>Reads audit.json; UsageException for another schema or invalid JSON.</summary>
    public static AuditReport FromJson(string json, string origin)
    {
        try
        {
            var r = JsonSerializer.Deserialize<AuditReport>(json, DataCard.JsonOptions) ?? throw new Core.UsageException($"{origin}: empty audit");
            if (r.Schema != CurrentSchema) throw new Core.UsageException($"{origin}: audit schema '{r.Schema}' is not supported (expected {CurrentSchema})");
            return r;
        }
        catch (JsonException e)
        {
            throw new Core.UsageException($"{origin}: invalid audit.json: {e.Message}");
        }
    }

    /// <summary>Exact-duplicate groups with two or more training images.</summary>
    public long DuplicateGroupsInTraining => ExactDuplicates.Count(g => g.Training.Count > 1);

    /// <summary>The card's audit section (<paramref name="sha256"/>: of the audit.json bytes).</summary>
    public AuditCard ToCard(string sha256) => new(sha256, IdentityThreshold, NearDuplicateThreshold, NearDuplicateSearch.Name,
        [.. EvalSets.Select(e => new AuditSetCount(e.Set.Name, string.Join(" ", e.Set.Caches), e.Set.Identities, e.Overlapping.Count, e.SharedImages))],
        DuplicateGroupsInTraining, NearDuplicates.Count, UnhashedImages);

    /// <summary>The readable summary (audit.md; also printed by the command).</summary>
    public string ToMarkdown(int shown = 20)
    {
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        L($"# Audit: {Release ?? Training.Name}");
        L();
        L($"- training: {Training.Images} images, {Training.Identities} identities (caches {string.Join(", ", Training.Caches)})");
        L($"- teacher: {Teacher}");
        L($"- identity overlap: cosine of identity centroids (mean of normalised embeddings) >= {DataCard.Fmt(IdentityThreshold)}" +
          (IdentityThresholdRule == "auto" ? " (auto: above the closest two distinct identities of every evaluation set)" : ""));
        foreach (var w in ThresholdWarnings) L($"- **warning:** {w}");
        L($"- near-duplicates inside the training set: embedding cosine >= {DataCard.Fmt(NearDuplicateThreshold)}, {NearDuplicateSearch.Name} search, " +
          $"{NearDuplicateSearch.PairsCompared} pairs compared" + (NearDuplicateSearch.Tables is { } t ? $" ({t} tables x {NearDuplicateSearch.Bits} bits, largest bucket {NearDuplicateSearch.LargestBucket})" : ""));
        if (UnhashedImages > 0) L($"- {UnhashedImages} images have no recorded content hash: not checked for exact duplicates");
        L();
        L("| evaluation set | images | identities | identity pairs above threshold | closest below threshold | closest two of its own distinct identities | images with the same content |");
        L("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in EvalSets)
            L($"| {e.Set.Name} | {e.Set.Images} | {e.Set.Identities} | {e.Overlapping.Count} | {(e.ClosestBelowThreshold.Count > 0 ? DataCard.Fmt(e.ClosestBelowThreshold[0].Cosine) : "-")} | " +
              $"{(e.DistinctCeiling is { } c ? $"{DataCard.Fmt(c.Cosine)} ({c.IdentityA} ~ {c.IdentityB})" : "-")} | {e.SharedImages} |");
        L();
        L($"## Overlapping identities ({EvalSets.Sum(e => e.Overlapping.Count)})");
        L();
        foreach (var p in EvalSets.SelectMany(e => e.Overlapping).Take(shown)) L($"- {p.EvalSet}: {p.TrainIdentity} ~ {p.EvalIdentity}: {DataCard.Fmt(p.Cosine)}");
        More(EvalSets.Sum(e => e.Overlapping.Count));
        L();
        L($"## Exact duplicates ({ExactDuplicates.Count} content hashes shared by a training image and another image)");
        L();
        foreach (var g in ExactDuplicates.Take(shown)) L($"- {g.Sha256[..12]}: {string.Join(", ", g.Training.Concat(g.Eval))}");
        More(ExactDuplicates.Count);
        L();
        L($"## Near-duplicates in the training set ({NearDuplicates.Count})");
        L();
        foreach (var n in NearDuplicates.Take(shown)) L($"- {n.A} ~ {n.B}: {DataCard.Fmt(n.Cosine)}{(n.SameContent ? " (same content)" : "")}");
        More(NearDuplicates.Count);
        return sb.ToString();

        void More(int count)
        {
            if (count > shown) L($"- ... and {count - shown} more (audit.json lists all)");
        }
    }
}
