using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace FairKd.Data.Cache;

/// <summary>
/// <c>_keys.idx</c>: key -&gt; global row of an embedding cache, memory-mapped (format in the cache README, "Key index").
/// Sorted 64-bit XXH3 hashes of the UTF-8 keys with their rows, a bucket table on the hashes' top bits, and the keys
/// themselves front-coded in row order (blocks of 16) to confirm every hit by comparing the full key. About 13 bytes per
/// key are touched by lookups (hash, row, bucket) plus the key text (typically 5-15 bytes per key after front coding);
/// nothing is decoded on open, so opening costs the same at 42 M keys as at 1 K. Thread-safe.
/// </summary>
public sealed class KeyIndex : IDisposable
{
    /// <summary>File name inside a cache folder.</summary>
    public const string FileName = "_keys.idx";

    internal const int Version = 1;
    internal const int HeaderBytes = 128;
    internal static ReadOnlySpan<byte> Magic => "FKDKEYIX"u8;

    private readonly MappedRegion _region;
    private readonly int _block;
    private readonly int _bits;
    private readonly int _maxKeyBytes;
    private readonly long _text;
    private readonly long _textEnd;
    private readonly long _blocks;
    private readonly long _hashes;
    private readonly long _rows;
    private readonly long _buckets;
    private readonly ulong _mask;

    private KeyIndex(MappedRegion region, long count, int block, int bits, int maxKeyBytes, long text, long textEnd, long blocks, long hashes, long rows, long buckets, ulong mask)
    {
        _mask = mask;
        _region = region;
        Count = count;
        _block = block;
        _bits = bits;
        _maxKeyBytes = maxKeyBytes;
        _text = text;
        _textEnd = textEnd;
        _blocks = blocks;
        _hashes = hashes;
        _rows = rows;
        _buckets = buckets;
    }

    /// <summary>Keys (rows) in the index.</summary>
    public long Count { get; }

    /// <summary>Bytes of the index file (what is mapped).</summary>
    public long FileBytes => _region.Length;

    /// <summary>
    /// Maps an index file and checks its header against the cache it should describe; null when the file is missing,
    /// of another version, truncated, or built from other shards (<paramref name="fingerprint"/>) or another row count.
    /// </summary>
    public static KeyIndex? TryOpen(string path, ReadOnlySpan<byte> fingerprint, long expectedCount)
    {
        if (!File.Exists(path)) return null;
        MappedRegion region;
        try
        {
            region = MappedRegion.Map(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }

        var index = FromRegion(region, fingerprint, expectedCount);
        if (index is null) region.Dispose();
        return index;
    }

    /// <summary>The global row of <paramref name="key"/>, or false when it is not in the index.</summary>
    public bool TryGetRow(string key, out long row)
    {
        ArgumentNullException.ThrowIfNull(key);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(key, buffer);
            return TryGetRow(buffer[..n], out row);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The global row of the UTF-8 key <paramref name="utf8Key"/>, or false when it is not in the index.</summary>
    public unsafe bool TryGetRow(ReadOnlySpan<byte> utf8Key, out long row)
    {
        row = -1;
        if (Count == 0 || utf8Key.Length > _maxKeyBytes) return false;
        var h = Hash(utf8Key) & _mask;
        var p = _region.Pointer;
        var bucket = (long)(h >> (64 - _bits));
        long lo = Read32(p + _buckets + (4 * bucket)), hi = Read32(p + _buckets + (4 * (bucket + 1)));
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (Read64(p + _hashes + (8 * mid)) < h) lo = mid + 1;
            else hi = mid;
        }

        Span<byte> scratch = _maxKeyBytes <= 1024 ? stackalloc byte[_maxKeyBytes] : new byte[_maxKeyBytes];
        for (var i = lo; i < Count && Read64(p + _hashes + (8 * i)) == h; i++)
        {
            long r = Read32(p + _rows + (4 * i));
            if (KeyBytes(r, scratch).SequenceEqual(utf8Key))
            {
                row = r;
                return true;
            }
        }

        return false;
    }

    /// <summary>The key of global row <paramref name="row"/>.</summary>
    public string KeyAt(long row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return Encoding.UTF8.GetString(KeyBytes(row, new byte[_maxKeyBytes]));
    }

    /// <summary>Throws when two rows hold the same key (checked once after a build: equal hashes are compared in full).</summary>
    /// <exception cref="InvalidDataException">A key appears twice.</exception>
    public unsafe void CheckUnique(string what)
    {
        var p = _region.Pointer;
        var a = new byte[_maxKeyBytes];
        var b = new byte[_maxKeyBytes];
        for (long i = 1; i < Count; i++)
        {
            var h = Read64(p + _hashes + (8 * i));
            if (h != Read64(p + _hashes + (8 * (i - 1)))) continue;
            for (var j = i - 1; j >= 0 && Read64(p + _hashes + (8 * j)) == h; j--)
            {
                if (KeyBytes(Read32(p + _rows + (4 * i)), a).SequenceEqual(KeyBytes(Read32(p + _rows + (4 * j)), b)))
                    throw new InvalidDataException($"{what}: key '{Encoding.UTF8.GetString(KeyBytes(Read32(p + _rows + (4 * i)), a))}' appears twice in the cache");
            }
        }
    }

    /// <summary>XXH3-64 (seed 0) of a UTF-8 key: the index's hash.</summary>
    internal static ulong Hash(ReadOnlySpan<byte> utf8Key) => XxHash3.HashToUInt64(utf8Key);

    /// <summary>The mask keeping the top <paramref name="hashBits"/> bits of a hash (64 in every written cache; tests
    /// use narrow hashes to force collisions, which the full-key comparison resolves).</summary>
    internal static ulong HashMask(int hashBits) => hashBits >= 64 ? ulong.MaxValue : ~(ulong.MaxValue >> hashBits);

    /// <summary>Bucket table size: 2^bits buckets on the top bits of the hashes, about 4-8 keys a bucket.</summary>
    internal static int BucketBits(long count) => Math.Clamp(63 - (int)ulong.LeadingZeroCount((ulong)Math.Max(1, count)) - 2, 1, 24);

    /// <summary>Unmaps <c>_keys.idx</c>; lookups after this are invalid.</summary>
    public void Dispose() => _region.Dispose();

    internal static unsafe KeyIndex? FromRegion(MappedRegion region, ReadOnlySpan<byte> fingerprint, long expectedCount)
    {
        if (region.Length < HeaderBytes) return null;
        var h = new ReadOnlySpan<byte>(region.Pointer, HeaderBytes);
        if (!h[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadInt32LittleEndian(h[8..]) != Version) return null;
        var block = BinaryPrimitives.ReadInt32LittleEndian(h[12..]);
        var count = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
        var bits = BinaryPrimitives.ReadInt32LittleEndian(h[24..]);
        var maxKey = BinaryPrimitives.ReadInt32LittleEndian(h[28..]);
        var text = BinaryPrimitives.ReadInt64LittleEndian(h[32..]);
        var textLength = BinaryPrimitives.ReadInt64LittleEndian(h[40..]);
        var blocks = BinaryPrimitives.ReadInt64LittleEndian(h[48..]);
        var hashes = BinaryPrimitives.ReadInt64LittleEndian(h[56..]);
        var rows = BinaryPrimitives.ReadInt64LittleEndian(h[64..]);
        var buckets = BinaryPrimitives.ReadInt64LittleEndian(h[72..]);
        var length = BinaryPrimitives.ReadInt64LittleEndian(h[112..]);
        var hashBits = BinaryPrimitives.ReadInt32LittleEndian(h[120..]);
        if (!h.Slice(80, 32).SequenceEqual(fingerprint) || count != expectedCount || length != region.Length) return null;
        if (block < 1 || bits is < 1 or > 24 || hashBits is < 1 or > 64 || maxKey < 0 || count > uint.MaxValue) return null;
        var nBlocks = (count + block - 1) / block;
        bool Inside(long at, long bytes) => at >= HeaderBytes && bytes >= 0 && at + bytes <= length;
        if (!Inside(text, textLength) || !Inside(blocks, 8 * (nBlocks + 1)) || !Inside(hashes, 8 * count) || !Inside(rows, 4 * count)
            || !Inside(buckets, 4 * ((1L << bits) + 1))) return null;
        return new KeyIndex(region, count, block, bits, maxKey, text, text + textLength, blocks, hashes, rows, buckets, HashMask(hashBits));
    }

    /// <summary>Decodes row <paramref name="row"/>'s key into <paramref name="scratch"/> (front coding within its block).</summary>
    private unsafe ReadOnlySpan<byte> KeyBytes(long row, Span<byte> scratch)
    {
        var p = _region.Pointer;
        var at = Read64Signed(p + _blocks + (8 * (row / _block)));
        var length = 0;
        for (var j = 0; j <= row % _block; j++)
        {
            var shared = ReadVarint(p, ref at);
            var suffix = ReadVarint(p, ref at);
            if (shared > length || shared + suffix > scratch.Length || at + suffix > _textEnd || at < _text)
                throw new InvalidDataException($"{FileName}: key text of row {row} is corrupt");
            new ReadOnlySpan<byte>(p + at, suffix).CopyTo(scratch[shared..]);
            at += suffix;
            length = shared + suffix;
        }

        return scratch[..length];
    }

    private unsafe int ReadVarint(byte* p, ref long at)
    {
        var value = 0;
        for (var shift = 0; shift < 32; shift += 7)
        {
            if (at >= _textEnd) break;
            var b = p[at++];
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }

        throw new InvalidDataException($"{FileName}: bad length in the key text");
    }

    private static unsafe ulong Read64(byte* p) => BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));

    private static unsafe long Read64Signed(byte* p) => BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(p, 8));

    private static unsafe uint Read32(byte* p) => BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(p, 4));
}
