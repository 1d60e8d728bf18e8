using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace FairKd.Data.Cache;

/// <summary>Writes one shard: row groups from <see cref="CacheRows"/> into a Parquet stream (lists via the parts API).</summary>
internal sealed class ShardFileWriter : IAsyncDisposable
{
    private readonly CacheSchema _schema;
    private readonly Stream _stream;
    private readonly ParquetWriter _writer;
    private readonly int _dim;
    private int[] _def = [];
    private int[] _rep = [];
    private byte[][] _halves = [];
    private bool _closed;

    private ShardFileWriter(CacheSchema schema, Stream stream, ParquetWriter writer, int dim)
    {
        _schema = schema;
        _stream = stream;
        _writer = writer;
        _dim = dim;
    }

    public long Rows { get; private set; }

    public static async Task<ShardFileWriter> CreateAsync(Stream stream, CacheSchema schema, CacheMetadata metadata, CancellationToken ct)
    {
        var writer = await ParquetWriter.CreateAsync(schema.Schema, stream, CacheSchema.Options(), append: false, ct);
        writer.CustomMetadata = CacheSchema.FileMetadata(metadata, schema.Encoding);
        return new ShardFileWriter(schema, stream, writer, metadata.EmbeddingSize);
    }

    public async Task WriteRowGroupAsync(CacheRows rows, CancellationToken ct)
    {
        var n = rows.Count;
        if (n == 0) return;
        using (var rg = _writer.CreateRowGroup())
        {
            await rg.WriteAsync(_schema.Key, new ArraySegment<string>(rows.Keys, 0, n));
            await rg.WriteAsync(_schema.Dataset, new ArraySegment<string>(rows.Datasets, 0, n));
            await rg.WriteAsync(_schema.Identity, new ArraySegment<string>(rows.Identities, 0, n));
            await rg.WriteAsync(_schema.Group, new ArraySegment<string>(rows.Groups!, 0, n));
            await rg.WriteAsync(_schema.Sha256, new ArraySegment<string>(rows.Sha256s!, 0, n));
            await WriteEmbeddingAsync(rg, _schema.EmbeddingLeaf, rows.Embeddings, n, ct);
            await WriteEmbeddingAsync(rg, _schema.FlippedLeaf, rows.FlippedEmbeddings, n, ct);
            await rg.WriteAsync<float>(_schema.Norm, rows.Norms.AsMemory(0, n), null, null, ct);
            await rg.WriteAsync<float>(_schema.FlippedNorm, rows.FlippedNorms.AsMemory(0, n), null, null, ct);
            for (var g = 0; g < _schema.Ethnicity.Length; g++)
                await rg.WriteAsync<float>(_schema.Ethnicity[g], rows.Ethnicity[g].AsMemory(0, n), null, null, ct);
            rg.CompleteValidate();
        }

        Rows += n;
    }

    /// <summary>Writes the footer and flushes the file to disk. The caller then renames it into place.</summary>
    public async Task CloseAsync()
    {
        if (_closed) return;
        _closed = true;
        await _writer.DisposeAsync();
        await _stream.FlushAsync();
        if (_stream is FileStream fs) fs.Flush(flushToDisk: true);
        await _stream.DisposeAsync();
    }

    /// <summary>Abandons the file without a footer (the caller deletes the temp file).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_closed) return;
        _closed = true;
        try { await _writer.DisposeAsync(); }
        catch (IOException) { }
        catch (InvalidOperationException) { }
        await _stream.DisposeAsync();
    }

    private async Task WriteEmbeddingAsync(ParquetRowGroupWriter rg, DataField leaf, float[] values, int n, CancellationToken ct)
    {
        if (_schema.Encoding == EmbeddingEncoding.Float32List)
        {
            var total = n * _dim;
            if (_def.Length < total)
            {
                _def = new int[total];
                _rep = new int[total];
                Array.Fill(_def, leaf.MaxDefinitionLevel);
                for (var i = 0; i < total; i++) _rep[i] = i % _dim == 0 ? 0 : leaf.MaxRepetitionLevel;
            }

            await rg.WriteAllPartsAsync<float>(leaf, values.AsMemory(0, total), _def.AsMemory(0, total), _rep.AsMemory(0, total), ct);
            return;
        }

        if (_halves.Length < n)
        {
            _halves = new byte[n][];
            for (var i = 0; i < n; i++) _halves[i] = new byte[2 * _dim];
        }

        for (var i = 0; i < n; i++) Float16Codec.Encode(values.AsSpan(i * _dim, _dim), _halves[i]);
        await rg.WriteAsync(leaf, new ArraySegment<byte[]>(_halves, 0, n));
    }
}

/// <summary>Reads one shard's row groups into <see cref="CacheRows"/>, optionally only the label columns.</summary>
internal sealed class ShardFileReader : IAsyncDisposable
{
    private readonly ParquetReader _reader;
    private readonly CacheSchema _schema;
    private readonly DataField[] _fields;
    private readonly int _dim;
    private readonly string _path;
    private int[] _def = [];
    private int[] _rep = [];
    private byte[]?[] _blobs = [];

    private ShardFileReader(string path, ParquetReader reader, CacheSchema schema, DataField[] fields, int dim)
    {
        _path = path;
        _reader = reader;
        _schema = schema;
        _fields = fields;
        _dim = dim;
    }

    public int RowGroupCount => _reader.RowGroupCount;

    public IReadOnlyDictionary<string, string> Metadata => _reader.CustomMetadata;

    /// <summary>Opens a shard and checks its schema version, embedding size and encoding against the cache's.</summary>
    public static async Task<ShardFileReader> OpenAsync(string path, EmbeddingEncoding encoding, int embeddingSize, CancellationToken ct)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, CacheSchema.Options(), ct);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{path} is not a readable Parquet file: {ex.Message}", ex);
        }

        try
        {
            var schema = new CacheSchema(encoding);
            var expected = CacheSchema.FileMetadata(new CacheMetadata("-", "-", "-", embeddingSize, "-"), encoding);
            foreach (var key in new[] { "schema_version", "embedding_size", "embedding_encoding", "class_order" })
            {
                var k = CacheSchema.MetaPrefix + key;
                reader.CustomMetadata.TryGetValue(k, out var actual);
                if (actual != expected[k])
                    throw new InvalidDataException($"{path}: metadata {k} is '{actual ?? "(missing)"}', the cache index says '{expected[k]}'");
            }

            return new ShardFileReader(path, reader, schema, schema.Resolve(reader.Schema, path), embeddingSize);
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    public int RowGroupRows(int rowGroup) => checked((int)_reader.RowGroups[rowGroup].RowCount);

    /// <summary>Reads only the key column of a row group.</summary>
    public async Task ReadKeysAsync(int rowGroup, string[] keys, CancellationToken ct)
    {
        var rg = _reader.RowGroups[rowGroup];
        var n = RowGroupRows(rowGroup);
        await rg.ReadAsync(_fields[0], keys.AsMemory(0, n)!, null, ct);
    }

    /// <summary>Loads a row group. With <paramref name="labelsOnly"/> the embedding and norm columns are not read.</summary>
    public async Task ReadRowGroupAsync(int rowGroup, CacheRows rows, bool labelsOnly, CancellationToken ct)
    {
        var rg = _reader.RowGroups[rowGroup];
        var n = RowGroupRows(rowGroup);
        if (n > rows.Capacity) throw new InvalidDataException($"{_path}: row group {rowGroup} has {n} rows, more than the cache's {rows.Capacity}");
        rows.Count = 0;
        await rg.ReadAsync(_fields[0], rows.Keys.AsMemory(0, n)!, null, ct);
        await rg.ReadAsync(_fields[1], rows.Datasets.AsMemory(0, n)!, null, ct);
        await rg.ReadAsync(_fields[2], rows.Identities.AsMemory(0, n)!, null, ct);
        await rg.ReadAsync(_fields[3], rows.Groups.AsMemory(0, n), null, ct);
        await rg.ReadAsync(_fields[4], rows.Sha256s.AsMemory(0, n), null, ct);
        for (var g = 0; g < rows.Ethnicity.Length; g++)
            await rg.ReadAsync<float>(_fields[9 + g], rows.Ethnicity[g].AsMemory(0, n), null, ct);
        if (!labelsOnly)
        {
            await ReadEmbeddingAsync(rg, _fields[5], rows.Embeddings, n, rowGroup, ct);
            await ReadEmbeddingAsync(rg, _fields[6], rows.FlippedEmbeddings, n, rowGroup, ct);
            await rg.ReadAsync<float>(_fields[7], rows.Norms.AsMemory(0, n), null, ct);
            await rg.ReadAsync<float>(_fields[8], rows.FlippedNorms.AsMemory(0, n), null, ct);
        }

        rows.Count = n;
    }

    /// <summary>
    /// Reads a row group's two embedding columns as stored, row after row as [embedding, flipped embedding]: the fp16
    /// bytes of a <see cref="EmbeddingEncoding.Float16Blob"/> shard, the fp32 values' bytes otherwise (the layout of
    /// <see cref="TargetMatrix"/>). <paramref name="scratch"/> holds rows x width floats.
    /// </summary>
    public async Task ReadTargetBytesAsync(int rowGroup, byte[] destination, float[] scratch, CancellationToken ct)
    {
        var rg = _reader.RowGroups[rowGroup];
        var n = RowGroupRows(rowGroup);
        var elementBytes = _schema.Encoding == EmbeddingEncoding.Float32List ? 4 : 2;
        var viewBytes = _dim * elementBytes;
        for (var view = 0; view < 2; view++)
        {
            var field = _fields[5 + view];
            if (_schema.Encoding == EmbeddingEncoding.Float32List)
            {
                await ReadEmbeddingAsync(rg, field, scratch, n, rowGroup, ct);
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(scratch.AsSpan(0, n * _dim));
                for (var i = 0; i < n; i++) bytes.Slice(i * viewBytes, viewBytes).CopyTo(destination.AsSpan(((2 * i) + view) * viewBytes, viewBytes));
                continue;
            }

            if (_blobs.Length < n) _blobs = new byte[n][];
            await rg.ReadAsync(field, _blobs.AsMemory(0, n)!, null, ct);
            for (var i = 0; i < n; i++)
            {
                var blob = _blobs[i];
                if (blob is null || blob.Length != viewBytes)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"{_path}: row group {rowGroup} column {field.Path}: row {i} holds {blob?.Length ?? 0} bytes, expected {viewBytes}"));
                blob.CopyTo(destination, ((2 * i) + view) * viewBytes);
            }
        }
    }

    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    private async Task ReadEmbeddingAsync(ParquetRowGroupReader rg, DataField field, float[] destination, int n, int rowGroup, CancellationToken ct)
    {
        if (_schema.Encoding == EmbeddingEncoding.Float32List)
        {
            var total = n * _dim;
            var stored = rg.GetMetadata(field)?.MetaData?.NumValues ?? -1;
            if (stored != total)
                throw new InvalidDataException($"{_path}: row group {rowGroup} column {field.Path} holds {stored} values, expected {n} rows x {_dim}");
            if (_def.Length < total)
            {
                _def = new int[total];
                _rep = new int[total];
            }

            await rg.ReadRawAsync<float>(field, destination.AsMemory(0, total), _def.AsMemory(0, total), _rep.AsMemory(0, total), ct);
            for (var i = 0; i < total; i += _dim)
                if (_rep[i] != 0 || (_dim > 1 && _rep[i + 1] == 0))
                    throw new InvalidDataException($"{_path}: row group {rowGroup} column {field.Path}: row {i / _dim} is not {_dim} values long");
            return;
        }

        if (_blobs.Length < n) _blobs = new byte[n][];
        await rg.ReadAsync(field, _blobs.AsMemory(0, n)!, null, ct);
        for (var i = 0; i < n; i++)
        {
            var blob = _blobs[i];
            if (blob is null || blob.Length != 2 * _dim)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{_path}: row group {rowGroup} column {field.Path}: row {i} holds {blob?.Length ?? 0} bytes, expected {2 * _dim}"));
            Float16Codec.Decode(blob, destination.AsSpan(i * _dim, _dim));
        }
    }
}
