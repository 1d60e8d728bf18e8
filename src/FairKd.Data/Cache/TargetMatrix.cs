using System.Text.Json;
using System.Text.Json.Serialization;

namespace FairKd.Data.Cache;

/// <summary>Options of <see cref="TargetMatrix"/>.</summary>
public sealed record TargetMatrixOptions
{
    /// <summary>Copy the whole matrix into process memory on open (resident = file size, open reads it all) instead of
    /// memory-mapping it (default false: mapped; pages come from the OS page cache, shared by every process that trains
    /// from the same cache, and the matrix may be larger than RAM).</summary>
    public bool LoadIntoMemory { get; init; }
}

/// <summary>
/// <c>_targets.npy</c> + <c>_targets.json</c>: every teacher target of a cache as one dense row-major matrix of shape
/// (rows, 2, width) in the cache's own element type (<c>&lt;f2</c> for fp16 caches, <c>&lt;f4</c> for fp32), view 0 the
/// embedding and view 1 the flipped embedding, row = the key's global row (<see cref="KeyIndex"/>). A lookup copies
/// one view: no decoding of row groups, the values are bit-identical to what the Parquet shards decode to. NumPy opens
/// it with <c>np.load(path, mmap_mode="r")</c>. The JSON (written after the matrix) says what it was built from.
/// </summary>
public sealed unsafe class TargetMatrix : IDisposable
{
    /// <summary>Matrix file name inside a cache folder.</summary>
    public const string FileName = "_targets.npy";

    /// <summary>Description file name (the commit point of the matrix).</summary>
    public const string MetaFileName = "_targets.json";

    /// <summary>Format version of the pair of files.</summary>
    public const int Version = 1;

    private readonly MappedRegion _region;
    private readonly long _data;
    private readonly int _elementBytes;

    private TargetMatrix(MappedRegion region, Meta meta, EmbeddingEncoding encoding)
    {
        _region = region;
        _data = meta.DataOffset;
        Rows = meta.Rows;
        Width = meta.Width;
        Encoding = encoding;
        _elementBytes = ElementBytes(encoding);
    }

    /// <summary>Target rows.</summary>
    public long Rows { get; }

    /// <summary>Embedding width.</summary>
    public int Width { get; }

    /// <summary>Element type of the matrix: the cache's encoding.</summary>
    public EmbeddingEncoding Encoding { get; }

    /// <summary>Bytes of the matrix file (what is mapped or loaded).</summary>
    public long FileBytes => _region.Length;

    /// <summary>True when the matrix was copied into process memory (<see cref="TargetMatrixOptions.LoadIntoMemory"/>).</summary>
    public bool InMemory => _region.InMemory;

    /// <summary>Opens the matrix beside <paramref name="index"/>'s shards in <paramref name="directory"/>; null when it is
    /// missing, of another version, incomplete, or built from other shards.</summary>
    public static TargetMatrix? TryOpen(string directory, CacheIndex index, TargetMatrixOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        options ??= new TargetMatrixOptions();
        var metaPath = Path.Combine(directory, MetaFileName);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(metaPath) || !File.Exists(path)) return null;
        Meta? meta;
        try
        {
            meta = JsonSerializer.Deserialize<Meta>(File.ReadAllBytes(metaPath), Json);
        }
        catch (JsonException)
        {
            return null;
        }

        var expected = Describe(index);
        if (meta != expected || new FileInfo(path).Length != expected.Bytes) return null;
        var region = options.LoadIntoMemory ? MappedRegion.LoadIntoMemory(path) : MappedRegion.Map(path);
        var header = NpyHeader(expected.Dtype, expected.Rows, expected.Width);
        if (region.Length != expected.Bytes || !region.Span(0, header.Length).SequenceEqual(header))
        {
            region.Dispose();
            return null;
        }

        return new TargetMatrix(region, expected, index.Encoding);
    }

    /// <summary>Copies row <paramref name="row"/>'s embedding (or flipped embedding) into <paramref name="destination"/> as fp32.</summary>
    public void Copy(long row, bool flipped, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        if (destination.Length < Width) throw new ArgumentException($"destination holds {destination.Length} floats, the targets are {Width} wide", nameof(destination));
        var at = _region.Pointer + _data + ((((row * 2) + (flipped ? 1 : 0)) * Width) * _elementBytes);
        if (Encoding == EmbeddingEncoding.Float32List)
        {
            new ReadOnlySpan<float>(at, Width).CopyTo(destination);
            return;
        }

        Float16Codec.Decode(new ReadOnlySpan<byte>(at, 2 * Width), destination);
    }

    /// <summary>
    /// Writes the matrix and its description for the cache <paramref name="index"/> in <paramref name="cacheDirectory"/>
    /// into <paramref name="outDirectory"/> (usually the same folder), copying every shard's embedding columns as stored, in order; each file atomically.
    /// </summary>
    public static void Build(string cacheDirectory, CacheIndex index, string outDirectory, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the target matrix is written on little-endian hosts");
        var meta = Describe(index);
        var width = index.Metadata.EmbeddingSize;
        Core.IO.AtomicFile.Write(Path.Combine(outDirectory, FileName), file =>
        {
            var output = new BufferedStream(file, 1 << 20);
            output.Write(NpyHeader(meta.Dtype, meta.Rows, width));
            var rowBytes = 2 * width * ElementBytes(index.Encoding);
            var buffer = new byte[index.RowGroupRows * rowBytes];
            var scratch = new float[index.RowGroupRows * width];
            long written = 0;
            foreach (var s in index.Shards)
            {
                var shard = ShardFileReader.OpenAsync(Path.Combine(cacheDirectory, s.File), index.Encoding, width, ct).GetAwaiter().GetResult();
                try
                {
                    for (var g = 0; g < shard.RowGroupCount; g++)
                    {
                        var n = shard.RowGroupRows(g);
                        if ((long)n * rowBytes > buffer.Length)
                        {
                            buffer = new byte[n * rowBytes];
                            scratch = new float[n * width];
                        }

                        shard.ReadTargetBytesAsync(g, buffer, scratch, ct).GetAwaiter().GetResult();
                        output.Write(buffer, 0, n * rowBytes);
                        written += n;
                    }
                }
                finally
                {
                    shard.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }

            if (written != meta.Rows) throw new InvalidDataException($"{cacheDirectory}: the shards hold {written} rows, the index says {meta.Rows}");
            output.Flush();
        });
        Core.IO.AtomicFile.WriteAllText(Path.Combine(outDirectory, MetaFileName), JsonSerializer.Serialize(meta, Json) + "\n");
    }

    /// <summary>Unmaps the matrix file; spans handed out before are invalid afterwards.</summary>
    public void Dispose() => _region.Dispose();

    /// <summary>The .npy v1.0 header of a (rows, 2, width) matrix, padded so the data starts at a multiple of 64 bytes.</summary>
    internal static byte[] NpyHeader(string dtype, long rows, int width)
    {
        var dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({rows}, 2, {width}), }}";
        var total = 10 + dict.Length + 1;
        var padded = (total + 63) / 64 * 64;
        var text = dict + new string(' ', padded - total) + "\n";
        var header = new byte[10 + text.Length];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        header[8] = (byte)(text.Length & 0xFF);
        header[9] = (byte)(text.Length >> 8);
        System.Text.Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }

    private static int ElementBytes(EmbeddingEncoding encoding) => encoding == EmbeddingEncoding.Float32List ? 4 : 2;

    private static Meta Describe(CacheIndex index)
    {
        var dtype = index.Encoding == EmbeddingEncoding.Float32List ? "<f4" : "<f2";
        var width = index.Metadata.EmbeddingSize;
        var headerBytes = NpyHeader(dtype, index.RowCount, width).Length;
        return new Meta(Version, FileName, dtype, index.RowCount, 2, width, headerBytes,
            headerBytes + (index.RowCount * 2 * width * ElementBytes(index.Encoding)), Convert.ToHexStringLower(index.ContentFingerprint()));
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary><c>_targets.json</c>: what the matrix is and which shards it was built from (<see cref="CacheIndex.ContentFingerprint"/>).</summary>
    private sealed record Meta(int Version, string File, string Dtype, long Rows, int Views, int Width, long DataOffset, long Bytes, string Content);
}
