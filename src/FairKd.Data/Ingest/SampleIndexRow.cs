using System.Text.Json.Serialization;

namespace FairKd.Data.Ingest;

/// <summary>
/// One row of <c>samples.parquet</c> (sample index schema version <see cref="SampleIndexWriter.SchemaVersion"/>).
/// Column names are the property names in snake_case (see <see cref="SampleIndexWriter"/>).
/// </summary>
public sealed class SampleIndexRow
{
    /// <summary>Sample key, <c>dataset/relative/path</c>, unique.</summary>
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";
    /// <summary>Dataset name (the key's first segment).</summary>
    [JsonPropertyName("dataset")]
    public string Dataset { get; set; } = "";
    /// <summary>Dataset-qualified identity (<c>bupt/African/m.0x</c>).</summary>
    [JsonPropertyName("identity")]
    public string Identity { get; set; } = "";
    /// <summary>Folder group (BUPT's ethnicity folder), null when the dataset has none.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }
    /// <summary>Path of the image relative to its dataset root, '/' separated.</summary>
    [JsonPropertyName("relative_path")]
    public string RelativePath { get; set; } = "";
    /// <summary>Width in pixels of the decoded source image.</summary>
    [JsonPropertyName("source_width")]
    public int SourceWidth { get; set; }
    /// <summary>Height in pixels of the decoded source image.</summary>
    [JsonPropertyName("source_height")]
    public int SourceHeight { get; set; }
    /// <summary>The 5 landmarks (x1 y1 ... x5 y5) used for alignment, or null when none were used.</summary>
    [JsonPropertyName("landmarks")]
    public float[]? Landmarks { get; set; }
    /// <summary>landmarks | passthrough | centercrop.</summary>
    [JsonPropertyName("alignment_mode")]
    public string AlignmentMode { get; set; } = "";
    /// <summary>SHA-256 of the file bytes, lower-case hex.</summary>
    [JsonPropertyName("sha256")]
    public string Sha256 { get; set; } = "";
    /// <summary>Byte offset of the record in its dataset's RecordIO pack (samples.json's <c>pack</c>); null for an image
    /// file. Since version 2.</summary>
    [JsonPropertyName("record_offset")]
    public long? RecordOffset { get; set; }
    /// <summary>Key of the record in the pack's .idx; null for an image file. Since version 2.</summary>
    [JsonPropertyName("record_index")]
    public long? RecordIndex { get; set; }
}
