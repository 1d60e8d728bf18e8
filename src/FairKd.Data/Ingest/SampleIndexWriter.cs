using System.Text.Json;
using FairKd.Core.Records;
using FairKd.Data.Imaging;
using Parquet;
using Parquet.Serialization;

namespace FairKd.Data.Ingest;

/// <summary>
/// Writes the sample index of an ingest run (version <see cref="SchemaVersion"/>), two files in the output folder:
/// <list type="bullet">
/// <item><c>samples.parquet</c>: one row per accepted sample in enumeration order (<see cref="SampleIndexRow"/>: key,
/// dataset, identity, group, relative_path, source_width, source_height, landmarks, alignment_mode, sha256 of the file
/// bytes, and since version 2 record_offset and record_index of a RecordIO sample), in row groups of
/// <see cref="RowGroupRows"/>, to a temporary file renamed into place by <see cref="CompleteAsync"/>. File metadata:
/// <c>fairkd.schema</c> = <c>sample-index</c>, <c>fairkd.schema_version</c>.</item>
/// <item><c>samples.json</c> (since version 2, <see cref="SampleIndexManifest"/>), written atomically once samples.parquet
/// is in place: <c>schema</c> (<c>fairkd.sample-index</c>), <c>schema_version</c>, <c>samples</c> (rows) and
/// <c>samples_sha256</c> (of samples.parquet), <c>imaging</c> (the preprocessing record: template, size,
/// normalisation, channels, unaligned policy, and per dataset the landmark file with its SHA-256) and <c>datasets</c>,
/// each input in ingest order with its <c>name</c> and <c>kind</c>: <c>folder</c> (<c>root</c>, <c>layout</c>; the
/// image is root/relative_path), <c>recordio</c> (<c>pack</c>, the .rec file; the image is the record at record_offset)
/// or <c>paths</c> (<c>list</c>, and <c>root</c>, the list's folder; the image is root/relative_path).</item>
/// </list>
/// Together they say where every accepted image is, what it was accepted as (its SHA-256) and how it was aligned:
/// `fairkd embed --samples DIR` embeds exactly these samples (<see cref="SampleIndexReader"/>). Version 1 (samples.parquet
/// alone) did not record the inputs; readers refuse it and ask for ingest to be run again.
/// </summary>
public sealed class SampleIndexWriter : IAsyncDisposable
{
    /// <summary>Version of the sample index (columns and sidecar), written as <c>fairkd.schema_version</c> and in samples.json.</summary>
    public const int SchemaVersion = 2;
    /// <summary>File name of the sample index inside the ingest output folder.</summary>
    public const string FileName = "samples.parquet";
    /// <summary>Rows buffered before a Parquet row group is written.</summary>
    public const int RowGroupRows = 16_384;

    private readonly string _path;
    private readonly string _temp;
    private readonly IReadOnlyList<SampleIndexDataset> _datasets;
    private readonly PreprocessingRecord _imaging;
    private readonly List<SampleIndexRow> _pending = [];
    private readonly FileStream _stream;
    private bool _any;
    private bool _completed;

    /// <summary>Opens a temp file for <c>samples.parquet</c> in <paramref name="outDir"/> (renamed by <see cref="CompleteAsync"/>).</summary>
    /// <param name="outDir">The ingest output folder (exists).</param>
    /// <param name="datasets">The inputs, in ingest order (<see cref="IngestInputs.Describe"/>), for samples.json.</param>
    /// <param name="imaging">The preprocessing the samples are accepted under, for samples.json.</param>
    public SampleIndexWriter(string outDir, IReadOnlyList<SampleIndexDataset> datasets, PreprocessingRecord imaging)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentNullException.ThrowIfNull(imaging);
        _datasets = datasets;
        _imaging = imaging;
        _path = Path.Combine(outDir, FileName);
        _temp = Core.IO.AtomicFile.TempPathFor(_path);
        _stream = new FileStream(_temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
    }

    /// <summary>Rows added so far (written or pending).</summary>
    public long Rows { get; private set; }

    /// <summary>Adds the row of an accepted sample; writes a row group every <see cref="RowGroupRows"/> rows.</summary>
    public async ValueTask AddAsync(AlignedFace face, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(face);
        _pending.Add(new SampleIndexRow
        {
            Key = face.Sample.Key,
            Dataset = face.Sample.Dataset,
            Identity = face.Sample.Identity,
            Group = face.Sample.Group,
            RelativePath = face.Sample.RelativePath,
            SourceWidth = face.Info.SourceWidth,
            SourceHeight = face.Info.SourceHeight,
            Landmarks = face.Info.Landmarks is { } l ? [.. l.Coordinates] : null,
            AlignmentMode = face.Info.Mode.ToString().ToLowerInvariant(),
            Sha256 = face.Info.Sha256,
            RecordOffset = face.Sample.Source is RecordIOSource r ? r.Offset : null,
            RecordIndex = face.Sample.Source is RecordIOSource ri ? ri.RecordIndex : null,
        });
        Rows++;
        if (_pending.Count >= RowGroupRows) await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Flushes the last row group, fsyncs and renames the temp file to <c>samples.parquet</c>, then writes
    /// <c>samples.json</c> (atomically).</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_pending.Count > 0 || !_any) await FlushAsync(ct).ConfigureAwait(false);
        await _stream.FlushAsync(ct).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        // A sidecar of an earlier run must not outlive the rows it described.
        File.Delete(Path.Combine(Path.GetDirectoryName(_path)!, SampleIndexManifest.FileName));
        Core.IO.AtomicFile.Commit(_temp, _path);
        _completed = true;
        var manifest = new SampleIndexManifest { Samples = Rows, SamplesSha256 = Core.IO.FileHash.Sha256(_path), Imaging = _imaging, Datasets = _datasets };
        Core.IO.AtomicFile.WriteAllText(Path.Combine(Path.GetDirectoryName(_path)!, SampleIndexManifest.FileName),
            JsonSerializer.Serialize(manifest, SampleIndexManifest.Json) + "\n");
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        var options = new ParquetOptions { Append = _any, CompressionMethod = CompressionMethod.Snappy, CompressionLevel = System.IO.Compression.CompressionLevel.Fastest };
        var metadata = new Dictionary<string, string>
        {
            ["fairkd.schema"] = "sample-index",
            ["fairkd.schema_version"] = SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        _stream.Position = _any ? _stream.Length : 0;
        await ParquetSerializer.SerializeAsync(_pending, _stream, options, metadata, ct).ConfigureAwait(false);
        _pending.Clear();
        _any = true;
    }

    /// <summary>Closes the file and deletes the temp file unless <see cref="CompleteAsync"/> ran.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_completed) return;
        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Delete(_temp);
    }
}
