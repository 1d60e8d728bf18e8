using System.Collections.Immutable;
using System.Text.Json.Serialization;
using FairKd.Core.Records;
using FairKd.Data.Imaging;

namespace FairKd.Data.Cache;

/// <summary>
/// What produced an embedding cache. Stored in every shard's Parquet key-value metadata and in <c>_cache.json</c>;
/// a resumed run whose teacher, weights, preprocessing or embedding size differ is refused (unless forced).
/// </summary>
/// <param name="Teacher">Teacher name (registry name or ONNX file name), e.g. <c>iresnet100</c>.</param>
/// <param name="WeightsSha256">SHA-256 (hex) of the teacher weights file.</param>
/// <param name="Preprocessing">Description of alignment/normalisation (e.g. <c>arcface-112 (x-127.5)/127.5 rgb, unaligned=reject</c>).</param>
/// <param name="EmbeddingSize">Embedding dimension (512 for the study's teachers).</param>
/// <param name="FairKdVersion">FairKd version that wrote the cache (recorded, not compared on resume).</param>
public sealed record CacheMetadata(
    string Teacher,
    string WeightsSha256,
    string Preprocessing,
    int EmbeddingSize,
    [property: JsonPropertyName("fairkd_version")] string FairKdVersion)
{
    /// <summary>
    /// The preprocessing as a structured, versioned record (template, size, normalisation, channels, unaligned policy,
    /// landmark file per dataset): <c>imaging</c> in <c>_cache.json</c>, and on one line (<see cref="PreprocessingRecord.CanonicalLine"/>)
    /// as <c>fairkd.imaging</c> in shard metadata.
    /// Null in caches written before it existed; those still read, and <see cref="RecordedPreprocessing"/> recovers
    /// what their <see cref="Preprocessing"/> string says.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PreprocessingRecord? Imaging { get; init; }

    /// <summary><see cref="Imaging"/>, or for an older cache the record recovered from <see cref="Preprocessing"/>
    /// (landmarks unknown: <see cref="PreprocessingRecord.IsLegacy"/>); null when neither says.</summary>
    public PreprocessingRecord? RecordedPreprocessing() => Imaging ?? PreprocessingRecord.FromLegacy(Preprocessing);

    /// <summary>Order of the ethnicity probability columns (= <see cref="EthnicGroups.Order"/>), recorded in metadata.</summary>
    public static ImmutableArray<string> ClassOrder => EthnicGroups.Order;

    /// <summary>Throws a UsageException for empty fields or an out-of-range embedding size.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Teacher)) throw new Core.UsageException("cache metadata: teacher name is empty");
        if (string.IsNullOrWhiteSpace(WeightsSha256)) throw new Core.UsageException("cache metadata: weights SHA-256 is empty");
        if (string.IsNullOrWhiteSpace(Preprocessing)) throw new Core.UsageException("cache metadata: preprocessing is empty");
        if (Imaging is not null && Imaging.Describe() != Preprocessing)
            throw new Core.UsageException($"cache metadata: preprocessing '{Preprocessing}' does not describe the imaging record ('{Imaging.Describe()}')");
        if (EmbeddingSize is < 1 or > 65536)
            throw new Core.UsageException($"cache metadata: embedding size {EmbeddingSize} is out of range 1..65536");
    }
}

/// <summary>How the two embedding columns are stored.</summary>
public enum EmbeddingEncoding
{
    /// <summary>
    /// Default. Standard Parquet <c>LIST&lt;FLOAT&gt;</c>: every reader (DuckDB, pandas, Spark) sees float lists.
    /// 4 bytes per value.
    /// </summary>
    Float32List,

    /// <summary>
    /// IEEE half precision, little-endian, packed into one <c>BYTE_ARRAY</c> of 2 x size bytes per row.
    /// Half the size; other readers see a BLOB (DuckDB cannot decode it to floats). Cosine to fp32 ≥ 0.9999.
    /// </summary>
    Float16Blob,
}
