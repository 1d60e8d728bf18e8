using System.Globalization;
using System.Text.Json;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;
using Parquet;
using Parquet.Serialization;

namespace FairKd.Data.Ingest;

/// <summary>An accepted sample of a sample index: where its image is, and the SHA-256 of the bytes ingest accepted.</summary>
/// <param name="Sample">The sample as its reader enumerated it (key, dataset, identity, group, relative path, source).</param>
/// <param name="Sha256">SHA-256 (hex) of the image bytes ingest read.</param>
public sealed record IndexedSample(SampleRef Sample, string Sha256);

/// <summary>
/// Reads the sample index an ingest run wrote (version <see cref="SampleIndexWriter.SchemaVersion"/>: samples.parquet and
/// its samples.json, see <see cref="SampleIndexWriter"/>). <see cref="OpenAsync"/> checks the pair (versions, the sidecar's
/// SHA-256 of the rows) and refuses a version 1 index, which does not say where its images are, asking for ingest to be
/// run again; <see cref="ReadAsync"/> gives every accepted sample with its image source rebuilt from the sidecar's
/// datasets. Problems are <see cref="UsageException"/>s that name <see cref="Option"/>.
/// </summary>
public sealed class SampleIndexReader
{
    private readonly Dictionary<string, SampleIndexDataset> _datasets;

    private SampleIndexReader(string folder, string option, SampleIndexManifest manifest)
    {
        Folder = folder;
        Option = option;
        Manifest = manifest;
        _datasets = manifest.Datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    /// <summary>The ingest output folder.</summary>
    public string Folder { get; }

    /// <summary>The option that named the folder, for messages (<c>--samples</c>).</summary>
    public string Option { get; }

    /// <summary>samples.json: the inputs, the preprocessing record and the row count.</summary>
    public SampleIndexManifest Manifest { get; }

    /// <summary>Path of samples.parquet.</summary>
    public string RowsPath => Path.Combine(Folder, SampleIndexWriter.FileName);

    /// <summary>Path of samples.json.</summary>
    public string ManifestPath => Path.Combine(Folder, SampleIndexManifest.FileName);

    /// <summary>Opens and checks the sample index in <paramref name="folder"/>.</summary>
    /// <param name="folder">The --out folder of `fairkd ingest`.</param>
    /// <param name="option">The option that named it, for messages.</param>
    /// <param name="ct">Cancels the checks.</param>
    /// <exception cref="UsageException">No index there, a version 1 or newer index, or a sidecar that does not belong to the rows.</exception>
    public static async Task<SampleIndexReader> OpenAsync(string folder, string option = "--samples", CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var where = $"{option} {folder}";
        if (!Directory.Exists(folder)) throw new UsageException($"{where}: folder not found (give the --out folder of `fairkd ingest`)");
        var rows = Path.Combine(folder, SampleIndexWriter.FileName);
        if (!File.Exists(rows)) throw new UsageException($"{where}: no {SampleIndexWriter.FileName} (give the --out folder of `fairkd ingest`)");
        var version = await RowsVersionAsync(rows, where, ct).ConfigureAwait(false);
        if (version < SampleIndexWriter.SchemaVersion)
            throw new UsageException($"{where}: {SampleIndexWriter.FileName} is a version {version} sample index, which does not record where its images " +
                $"are; run `fairkd ingest` again to write a version {SampleIndexWriter.SchemaVersion} index");
        if (version > SampleIndexWriter.SchemaVersion)
            throw new UsageException($"{where}: {SampleIndexWriter.FileName} is a version {version} sample index; this FairKd reads version {SampleIndexWriter.SchemaVersion}");
        var sidecar = Path.Combine(folder, SampleIndexManifest.FileName);
        if (!File.Exists(sidecar))
            throw new UsageException($"{where}: {SampleIndexManifest.FileName} is missing (an interrupted ingest?); run `fairkd ingest` again");
        SampleIndexManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SampleIndexManifest>(await File.ReadAllBytesAsync(sidecar, ct).ConfigureAwait(false), SampleIndexManifest.Json);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"{where}: {SampleIndexManifest.FileName} is not a valid sample index sidecar: {ex.Message}");
        }

        if (manifest is null || manifest.Schema != SampleIndexManifest.SchemaName)
            throw new UsageException($"{where}: {SampleIndexManifest.FileName} is not a sample index sidecar (schema '{manifest?.Schema}')");
        if (manifest.SchemaVersion != version)
            throw new UsageException($"{where}: {SampleIndexManifest.FileName} is version {manifest.SchemaVersion}, {SampleIndexWriter.FileName} version {version}; run `fairkd ingest` again");
        if (manifest.Imaging is null || manifest.Datasets is null || manifest.SamplesSha256 is null)
            throw new UsageException($"{where}: {SampleIndexManifest.FileName} lacks its imaging record, datasets or samples_sha256; run `fairkd ingest` again");
        var sha = FileHash.Sha256(rows);
        if (sha != manifest.SamplesSha256)
            throw new UsageException($"{where}: {SampleIndexWriter.FileName} (SHA-256 {sha}) is not the file {SampleIndexManifest.FileName} describes " +
                $"({manifest.SamplesSha256}); run `fairkd ingest` again");
        foreach (var d in manifest.Datasets)
        {
            var complete = d.Kind switch
            {
                SampleIndexDataset.FolderKind or SampleIndexDataset.PathListKind => d.Root is not null,
                SampleIndexDataset.RecordIOKind => d.Pack is not null,
                _ => throw new UsageException($"{where}: dataset '{d.Name}' is of kind '{d.Kind}', which this FairKd does not know"),
            };
            if (!complete) throw new UsageException($"{where}: dataset '{d.Name}' ({d.Kind}) has no {(d.Kind == SampleIndexDataset.RecordIOKind ? "pack" : "root")}");
        }

        DatasetNameCheck(manifest, where);
        return new SampleIndexReader(folder, option, manifest);
    }

    /// <summary>Every accepted sample in index order (the order ingest enumerated them), with its image source: the file
    /// root/relative_path of a folder or path list, the record at record_offset of a RecordIO pack.</summary>
    /// <exception cref="UsageException">A row names a dataset the sidecar does not list, or the row count differs from the sidecar's.</exception>
    public async Task<IReadOnlyList<IndexedSample>> ReadAsync(CancellationToken ct = default)
    {
        var samples = new List<IndexedSample>();
        int groups;
        var reader = await ParquetReader.CreateAsync(RowsPath, cancellationToken: ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false)) groups = reader.RowGroupCount;
        for (var g = 0; g < groups; g++)
        {
            var group = await ParquetSerializer.DeserializeAsync<SampleIndexRow>(RowsPath, rowGroupIndex: g, cancellationToken: ct).ConfigureAwait(false);
            foreach (var row in group.Data) samples.Add(new IndexedSample(ToSample(row), row.Sha256));
        }

        if (samples.Count != Manifest.Samples)
            throw new UsageException($"{Option} {Folder}: {SampleIndexWriter.FileName} holds {samples.Count} rows, {SampleIndexManifest.FileName} says {Manifest.Samples}; run `fairkd ingest` again");
        return samples;
    }

    /// <summary>Adds the index (both files, hashed), each dataset's images (folder, pack, list) and the landmark files to
    /// <paramref name="provenance"/>, with the roles <see cref="IngestInputs.Record"/> gives the same inputs.</summary>
    public void Record(ProvenanceRecorder provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        provenance.AddFile("sample-index", RowsPath, Manifest.SamplesSha256).AddFile("sample-index", ManifestPath);
        foreach (var d in Manifest.Datasets)
        {
            switch (d.Kind)
            {
                case SampleIndexDataset.FolderKind:
                    provenance.AddFolder($"images:{d.Name}", d.Root!);
                    break;
                case SampleIndexDataset.RecordIOKind:
                    if (File.Exists(d.Pack)) provenance.AddUnhashedFile($"rec:{d.Name}", d.Pack);
                    break;
                default:
                    if (d.List is not null && File.Exists(d.List)) provenance.AddFile($"paths:{d.Name}", d.List);
                    else provenance.AddFolder($"images:{d.Name}", d.Root!);
                    break;
            }
        }

        foreach (var l in Manifest.Imaging.Landmarks ?? [])
            provenance.AddFile($"landmarks:{l.Dataset}", l.File, l.Sha256);
    }

    private SampleRef ToSample(SampleIndexRow row)
    {
        if (!_datasets.TryGetValue(row.Dataset, out var d))
            throw new UsageException($"{Option} {Folder}: row {row.Key} names dataset '{row.Dataset}', which {SampleIndexManifest.FileName} does not list; run `fairkd ingest` again");
        SampleSource source = d.Kind == SampleIndexDataset.RecordIOKind
            ? new RecordIOSource(d.Pack!, row.RecordOffset ?? throw NoOffset(row), row.RecordIndex ?? throw NoOffset(row))
            : new FileSource(Path.Combine(d.Root!, row.RelativePath.Replace('/', Path.DirectorySeparatorChar)));
        return new SampleRef(row.Key, row.Dataset, row.Identity, row.Group, row.RelativePath, source);
    }

    private UsageException NoOffset(SampleIndexRow row) =>
        new($"{Option} {Folder}: row {row.Key} of RecordIO dataset '{row.Dataset}' has no record_offset/record_index; run `fairkd ingest` again");

    private static async Task<int> RowsVersionAsync(string rows, string where, CancellationToken ct)
    {
        string? schema, text;
        try
        {
            var reader = await ParquetReader.CreateAsync(rows, cancellationToken: ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                reader.CustomMetadata.TryGetValue("fairkd.schema", out schema);
                reader.CustomMetadata.TryGetValue("fairkd.schema_version", out text);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"{where}: {SampleIndexWriter.FileName} is not a readable Parquet file: {ex.Message}");
        }

        if (schema != "sample-index" || text is null || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw new UsageException($"{where}: {SampleIndexWriter.FileName} is not a FairKd sample index (no fairkd.schema sample-index metadata)");
        return version;
    }

    private static void DatasetNameCheck(SampleIndexManifest manifest, string where)
    {
        var duplicate = manifest.Datasets.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UsageException($"{where}: {SampleIndexManifest.FileName} lists dataset '{duplicate.Key}' twice");
    }
}
