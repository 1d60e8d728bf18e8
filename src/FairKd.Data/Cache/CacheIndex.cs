using System.Text.Json;
using System.Text.Json.Serialization;
using FairKd.Core.Records;

namespace FairKd.Data.Cache;

/// <summary>One complete shard listed in <c>_cache.json</c>. Only listed shards count.</summary>
/// <param name="File">File name inside the cache folder (<c>part-00000.parquet</c>).</param>
/// <param name="Rows">Accepted rows (targets) in the file.</param>
/// <param name="Bytes">File length.</param>
/// <param name="Sha256">SHA-256 (hex) of the file.</param>
/// <param name="FirstKey">Key of the first row.</param>
/// <param name="LastKey">Key of the last row.</param>
/// <param name="InputStart">Global position (in the full ordered sample list) of the first input sample of this shard's range.</param>
/// <param name="InputCount">Input samples in the range: <see cref="Rows"/> plus <see cref="Rejects"/>.</param>
/// <param name="Rejects">Samples of the range routed to rejects.csv.</param>
/// <param name="RejectsEndBytes">Length of rejects.csv once this shard's rejects were appended.</param>
public sealed record ShardEntry(
    string File,
    int Rows,
    long Bytes,
    string Sha256,
    string FirstKey,
    string LastKey,
    int InputStart,
    int InputCount,
    int Rejects,
    long RejectsEndBytes);

/// <summary>
/// The cache index <c>_cache.json</c>, rewritten atomically (temp + rename) after every shard: it is the commit
/// point. A shard or reject line not covered by the index does not exist as far as readers and resume are concerned.
/// </summary>
public sealed record CacheIndex
{
    /// <summary>Version of the cache layout (index, shard columns, sidecar). Readers refuse newer versions.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>File name of the index inside the cache folder.</summary>
    public const string FileName = "_cache.json";

    /// <summary>Cache layout version the writer used (<see cref="CurrentSchemaVersion"/> when written by this build).</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>Teacher, weights SHA-256, preprocessing and embedding size: a resume or merge must match it exactly.</summary>
    public required CacheMetadata Metadata { get; init; }

    /// <summary>Order of the ethnicity columns (<see cref="EthnicGroups.Order"/>); a cache with another order is refused.</summary>
    public required IReadOnlyList<string> ClassOrder { get; init; }

    /// <summary>The caller's fingerprint of its inputs (opaque string); a resume with a different one is refused.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>SHA-256 of the full ordered key list (keys joined by '\n'), all partitions.</summary>
    public required string KeysSha256 { get; init; }

    /// <summary>Number of samples in the full ordered key list (all partitions).</summary>
    public required int TotalKeys { get; init; }

    /// <summary>0-based partition this cache holds (see <see cref="ShardPartition"/>); 0 for a single or merged cache.</summary>
    public required int PartitionIndex { get; init; }

    /// <summary>Number of partitions the key list was split into; 1 for a single or merged cache.</summary>
    public required int PartitionCount { get; init; }

    /// <summary>Global position range [InputStart, InputEnd) this cache covers.</summary>
    public required int InputStart { get; init; }

    /// <summary>Exclusive end of the global position range (see <see cref="InputStart"/>).</summary>
    public required int InputEnd { get; init; }

    /// <summary>How the <c>embedding</c> columns are stored on disk (fp32 list or fp16 blob).</summary>
    public required EmbeddingEncoding Encoding { get; init; }

    /// <summary>Accepted rows after which a shard closes (the last shard may hold fewer).</summary>
    public required int RowsPerShard { get; init; }

    /// <summary>Rows per Parquet row group inside a shard (the reader's decoding unit).</summary>
    public required int RowGroupRows { get; init; }

    /// <summary>The committed shards in input order; only these count.</summary>
    public required IReadOnlyList<ShardEntry> Shards { get; init; }

    /// <summary>Leading input samples of this range that are committed (in shards or rejects).</summary>
    public required int CommittedInputs { get; init; }

    /// <summary>Samples of the range routed to rejects.csv so far (committed lines only).</summary>
    public required int RejectCount { get; init; }

    /// <summary>Committed length of rejects.csv; bytes beyond it are from an interrupted run and are cut on resume.</summary>
    public required long RejectsBytes { get; init; }

    /// <summary>True once every input sample of the range is committed and the key sidecar is written.</summary>
    public required bool Complete { get; init; }

    /// <summary>One record per embedding session that added rows to this cache (a resumed cache has several; a merged cache
    /// the sessions of every partition): inputs with SHA-256, counts (embedded, rejected by reason, alignment), FairKd
    /// version and commit, host, wall time and images/s. Null in caches written before it existed. Not part of
    /// <see cref="ContentFingerprint"/>: the same rows from another host or at another time are the same cache.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RunProvenance>? Provenance { get; init; }

    /// <summary>Target rows in all shards.</summary>
    [JsonIgnore]
    public long RowCount => Shards.Sum(s => (long)s.Rows);

    /// <summary>
    /// SHA-256 over the embedding size, the encoding and every indexed shard's file name, rows and SHA-256: identifies
    /// the rows the derived sidecars (<see cref="KeyIndex"/>, <see cref="TargetMatrix"/>) were built from.
    /// </summary>
    public byte[] ContentFingerprint()
    {
        var text = new System.Text.StringBuilder();
        text.Append("fairkd.cache.content/1\n").Append(Metadata.EmbeddingSize).Append('\n').Append(Encoding).Append('\n');
        foreach (var s in Shards) text.Append(s.File).Append('\t').Append(s.Rows).Append('\t').Append(s.Sha256).Append('\n');
        return System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
    }

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Reads <c>_cache.json</c> from a folder, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a valid index.</exception>
    public static CacheIndex? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!System.IO.File.Exists(path)) return null;
        CacheIndex? index;
        try
        {
            index = JsonSerializer.Deserialize<CacheIndex>(System.IO.File.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a valid cache index: {ex.Message}", ex);
        }

        if (index is null) throw new InvalidDataException($"{path} is empty");
        if (index.SchemaVersion > CurrentSchemaVersion || index.SchemaVersion < 1)
            throw new InvalidDataException($"{path} has cache schema version {index.SchemaVersion}; this FairKd reads version {CurrentSchemaVersion}");
        return index;
    }

    internal void Save(string directory) =>
        CacheWrites.WriteAllBytes(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));
}
