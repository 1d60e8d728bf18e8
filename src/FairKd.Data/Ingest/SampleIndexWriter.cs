using FairKd.Core.Records;
using Parquet;
using Parquet.Serialization;

namespace FairKd.Data.Ingest;

/// <summary>
/// Writes <c>samples.parquet</c>: one row per accepted sample in enumeration order, in row groups of
/// <see cref="RowGroupRows"/>, to a temporary file renamed into place by <see cref="CompleteAsync"/>.
/// File metadata: <c>fairkd.schema</c> = <c>sample-index</c>, <c>fairkd.schema_version</c>.
/// </summary>
public sealed class SampleIndexWriter : IAsyncDisposable
{
    /// <summary>Version of the sample index columns, written as <c>fairkd.schema_version</c>.</summary>
    public const int SchemaVersion = 1;
    /// <summary>File name of the sample index inside the ingest output folder.</summary>
    public const string FileName = "samples.parquet";
    /// <summary>Rows buffered before a Parquet row group is written.</summary>
    public const int RowGroupRows = 16_384;

    private readonly string _path;
    private readonly string _temp;
    private readonly List<SampleIndexRow> _pending = [];
    private readonly FileStream _stream;
    private bool _any;
    private bool _completed;

    /// <summary>Opens a temp file for <c>samples.parquet</c> in <paramref name="outDir"/> (renamed by <see cref="CompleteAsync"/>).</summary>
    public SampleIndexWriter(string outDir)
    {
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
        });
        Rows++;
        if (_pending.Count >= RowGroupRows) await FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Flushes the last row group, fsyncs and renames the temp file to <c>samples.parquet</c>.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_pending.Count > 0 || !_any) await FlushAsync(ct).ConfigureAwait(false);
        await _stream.FlushAsync(ct).ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        Core.IO.AtomicFile.Commit(_temp, _path);
        _completed = true;
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
