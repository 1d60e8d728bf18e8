using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace FairKd.Core.Records;

/// <summary>
/// What one stage run saw and where it ran (<c>fairkd.provenance/1</c>): the <c>provenance</c> block of eval.json, of the
/// cache's <c>_cache.json</c> (one per embedding session), of a training run's model.json and of a release's card.json.
/// Two records with the same <see cref="Inputs"/> (paths and SHA-256) and <see cref="Counts"/> evaluated, embedded, trained
/// or sampled the same thing; <see cref="Host"/>, <see cref="StartedUtc"/>, <see cref="WallSeconds"/> and
/// <see cref="Throughput"/> are the only fields that differ between reruns of the same inputs on the same build. Its JSON names
/// are fixed (camelCase) whatever the naming policy of the file that holds it (<c>_cache.json</c> is snake_case).
/// </summary>
public sealed record RunProvenance
{
    /// <summary>The schema this code writes.</summary>
    public const string CurrentSchema = "fairkd.provenance/1";

    /// <summary>Schema of the block.</summary>
    [JsonPropertyName("schema")]
    public string Schema { get; init; } = CurrentSchema;

    /// <summary>The stage (CLI verb) that wrote it: ingest, embed, manifest, train, eval.</summary>
    [JsonPropertyName("stage")]
    public required string Stage { get; init; }

    /// <summary>FairKd version (e.g. 0.1.0).</summary>
    [JsonPropertyName("version")]
    public required string Version { get; init; }

    /// <summary>Git commit FairKd was built from (null when the build did not know it).</summary>
    [JsonPropertyName("commit")]
    public string? Commit { get; init; }

    /// <summary>Every input file or folder, in the order the stage read them.</summary>
    [JsonPropertyName("inputs")]
    public required IReadOnlyList<ProvenanceInput> Inputs { get; init; }

    /// <summary>What the stage counted (images read, matched to landmarks, centre-cropped, rejected, pairs dropped, ...), keys sorted.</summary>
    [JsonPropertyName("counts")]
    public required IReadOnlyDictionary<string, long> Counts { get; init; }

    /// <summary>Rejected images, dropped pairs or refused rows by reason (the reason's stable prefix), keys sorted; empty when none.</summary>
    [JsonPropertyName("reasons")]
    public required IReadOnlyDictionary<string, long> Reasons { get; init; }

    /// <summary>The machine.</summary>
    [JsonPropertyName("host")]
    public required ProvenanceHost Host { get; init; }

    /// <summary>When the run started (UTC, ISO 8601).</summary>
    [JsonPropertyName("startedUtc")]
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>Wall time of the run in seconds.</summary>
    [JsonPropertyName("wallSeconds")]
    public required double WallSeconds { get; init; }

    /// <summary>Items per second over the wall time (null when the stage processed nothing it counts).</summary>
    [JsonPropertyName("throughput")]
    public ProvenanceThroughput? Throughput { get; init; }

    /// <summary>The stable prefix of a reject or drop reason: the text before the first ':' or '(' (trimmed, at most 60 characters),
    /// so that "undecodable: truncated or corrupt (...)" and "not in the cache (key x)" count under one reason each.</summary>
    public static string ReasonCategory(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var end = reason.IndexOfAny([':', '(']);
        var head = (end < 0 ? reason : reason[..end]).Trim();
        if (head.Length == 0) head = reason.Trim();
        return head.Length <= 60 ? head : head[..60];
    }

    /// <summary>FairKd's version and commit from the assembly's informational version (<c>0.1.0+commit</c>).</summary>
    public static (string Version, string? Commit) BuildVersion()
    {
        var info = typeof(RunProvenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(RunProvenance).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var plus = info.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (info, null) : (info[..plus], info[(plus + 1)..]);
    }

    /// <summary>One line for logs: stage, counts and throughput.</summary>
    public string Summary()
    {
        var rate = Throughput is { } t ? string.Create(CultureInfo.InvariantCulture, $", {t.PerSecond:F1} {t.Unit}/s") : "";
        return string.Create(CultureInfo.InvariantCulture, $"{Stage}: {string.Join(", ", Counts.Select(kv => $"{kv.Key} {kv.Value}"))}; {WallSeconds:F1} s{rate}");
    }
}

/// <summary>One input of a run.</summary>
/// <param name="Role">What it is for the stage (e.g. <c>pairs:lfw</c>, <c>landmarks:rfw/African</c>, <c>weights</c>, <c>images:bupt</c>).</param>
/// <param name="Path">Absolute path as given.</param>
/// <param name="Kind"><c>file</c> or <c>folder</c>.</param>
/// <param name="Sha256">SHA-256 of a file (null for a folder, whose images are counted in <see cref="RunProvenance.Counts"/>, and for a
/// RecordIO .rec, recorded by size beside its hashed .idx).</param>
/// <param name="Bytes">Size of a file (null for a folder).</param>
public sealed record ProvenanceInput(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("bytes")] long? Bytes);

/// <summary>The machine of a run.</summary>
/// <param name="CpuModel">CPU model name.</param>
/// <param name="Family">CPU family.model.stepping.</param>
/// <param name="LogicalCores">Processors the process could use.</param>
/// <param name="Threads">Compute threads the run was given (null: the runtime's default).</param>
/// <param name="Os">OS description.</param>
/// <param name="Runtime">.NET runtime.</param>
public sealed record ProvenanceHost(
    [property: JsonPropertyName("cpuModel")] string CpuModel,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("logicalCores")] int LogicalCores,
    [property: JsonPropertyName("threads")] int? Threads,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("runtime")] string Runtime);

/// <summary>Items per second.</summary>
/// <param name="Items">Items processed.</param>
/// <param name="Unit">What an item is (images, samples, pairs).</param>
/// <param name="PerSecond">Items / wall seconds.</param>
public sealed record ProvenanceThroughput(
    [property: JsonPropertyName("items")] long Items,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("perSecond")] double PerSecond);
