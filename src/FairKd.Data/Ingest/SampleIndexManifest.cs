using System.Text.Json;
using System.Text.Json.Serialization;
using FairKd.Data.Imaging;

namespace FairKd.Data.Ingest;

/// <summary>
/// One input of an ingest run as <c>samples.json</c> lists it: what a later stage needs to find a sample's image again
/// from its row in <c>samples.parquet</c> (see <see cref="SampleIndexWriter"/>).
/// </summary>
public sealed record SampleIndexDataset
{
    /// <summary><see cref="Kind"/> of an image folder (<c>--dataset</c>): the image is <see cref="Root"/>/relative_path.</summary>
    public const string FolderKind = "folder";

    /// <summary><see cref="Kind"/> of an MXNet RecordIO pack (<c>--rec</c>): the image is the record at the row's
    /// <c>record_offset</c> in <see cref="Pack"/>.</summary>
    public const string RecordIOKind = "recordio";

    /// <summary><see cref="Kind"/> of a path list (<c>--paths</c>): the image is <see cref="Root"/>/relative_path, the root
    /// being the list's folder.</summary>
    public const string PathListKind = "paths";

    /// <summary>Dataset name: the first segment of every key of this input.</summary>
    public required string Name { get; init; }

    /// <summary><see cref="FolderKind"/>, <see cref="RecordIOKind"/> or <see cref="PathListKind"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>Absolute folder the rows' relative paths are relative to (folders and path lists; null for a pack).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Root { get; init; }

    /// <summary>Folder layout (<c>identity/image</c>, <c>group/identity/image</c> or <c>flat</c>) of a folder dataset.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Layout { get; init; }

    /// <summary>Absolute path of the .rec file of a RecordIO pack.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Pack { get; init; }

    /// <summary>Absolute path of the list file of a path list.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? List { get; init; }
}

/// <summary>
/// <c>samples.json</c>, the sidecar of <c>samples.parquet</c> (sample index version 2, <see cref="SampleIndexWriter"/>):
/// the inputs the rows were read from, the preprocessing they were accepted under (landmark files with SHA-256) and the
/// row count and SHA-256 of the Parquet file it belongs to. Written atomically after samples.parquet is complete.
/// </summary>
public sealed record SampleIndexManifest
{
    /// <summary>File name of the sidecar inside the ingest output folder.</summary>
    public const string FileName = "samples.json";

    /// <summary>The value of <see cref="Schema"/>.</summary>
    public const string SchemaName = "fairkd.sample-index";

    /// <summary>Always <see cref="SchemaName"/>.</summary>
    public string Schema { get; init; } = SchemaName;

    /// <summary>Sample index version (<see cref="SampleIndexWriter.SchemaVersion"/>), the same as samples.parquet's <c>fairkd.schema_version</c>.</summary>
    public int SchemaVersion { get; init; } = SampleIndexWriter.SchemaVersion;

    /// <summary>Rows of samples.parquet: the accepted samples.</summary>
    public required long Samples { get; init; }

    /// <summary>SHA-256 (hex) of samples.parquet: the sidecar and the rows belong together.</summary>
    public required string SamplesSha256 { get; init; }

    /// <summary>What the accepted samples were preprocessed with: alignment template, size, normalisation, unaligned
    /// policy and, per dataset, the landmark file with its SHA-256 (the record embed writes into a cache's metadata).</summary>
    public required PreprocessingRecord Imaging { get; init; }

    /// <summary>The inputs in ingest order (folders, then RecordIO packs, then path lists): the rows' order.</summary>
    public required IReadOnlyList<SampleIndexDataset> Datasets { get; init; }

    /// <summary>The JSON form (snake_case names, indented).</summary>
    internal static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
