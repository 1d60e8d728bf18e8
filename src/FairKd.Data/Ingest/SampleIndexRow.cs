using System.Text.Json.Serialization;

namespace FairKd.Data.Ingest;

/// <summary>
/// One row of <c>samples.parquet</c> (sample index schema version <see cref="SampleIndexWriter.SchemaVersion"/>).
/// Column names are the property names in snake_case (see <see cref="SampleIndexWriter"/>).
/// </summary>
public sealed class SampleIndexRow
{
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";
    [JsonPropertyName("dataset")]
    public string Dataset { get; set; } = "";
    [JsonPropertyName("identity")]
    public string Identity { get; set; } = "";
    [JsonPropertyName("group")]
    public string? Group { get; set; }
    [JsonPropertyName("relative_path")]
    public string RelativePath { get; set; } = "";
    [JsonPropertyName("source_width")]
    public int SourceWidth { get; set; }
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
}
