using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace FairKd.Data.Cache;

/// <summary>
/// Writes <c>_keys.idx</c> (<see cref="KeyIndex"/>) from the keys in row order, atomically (<see cref="Core.IO.AtomicFile"/>).
/// Memory while building: 12 bytes per key (hash + row, sorted in place) plus 8 bytes per 16 keys; the key text is
/// streamed to the file as it is front-coded.
/// </summary>
internal static class KeyIndexBuilder
{
    /// <summary>Keys per front-coding block: a lookup decodes at most this many keys to confirm a hit.</summary>
    public const int BlockSize = 16;

    /// <summary>Builds the index of <paramref name="keys"/> (exactly <paramref name="count"/> of them, row order) into <paramref name="path"/>.</summary>
    /// <param name="path">Output file.</param>
    /// <param name="keys">The keys in row order.</param>
    /// <param name="count">How many keys <paramref name="keys"/> yields.</param>
    /// <param name="fingerprint">The cache's <see cref="CacheIndex.ContentFingerprint"/> (32 bytes).</param>
    /// <param name="hashBits">Hash width kept (64; tests narrow it to force collisions).</param>
    public static void Write(string path, IEnumerable<string> keys, long count, ReadOnlySpan<byte> fingerprint, int hashBits = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hashBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashBits, 64);
        ArgumentNullException.ThrowIfNull(keys);
        if (count > uint.MaxValue) throw new InvalidDataException($"{count} keys: the key index holds at most {uint.MaxValue}");
        if (fingerprint.Length != 32) throw new ArgumentException("fingerprint must be 32 bytes", nameof(fingerprint));
        var print = fingerprint.ToArray();
        Core.IO.AtomicFile.Write(path, file => WriteTo(file, keys, count, print, hashBits));
    }

    private static void WriteTo(Stream file, IEnumerable<string> keys, long count, byte[] fingerprint, int hashBits)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the key index is written on little-endian hosts");
        var hashes = new ulong[count];
        var rows = new uint[count];
        var blocks = new long[((count + BlockSize - 1) / BlockSize) + 1];
        var output = new BufferedStream(file, 1 << 20);
        output.Write(new byte[KeyIndex.HeaderBytes]);
        long at = KeyIndex.HeaderBytes;
        var previous = new byte[256];
        var current = new byte[256];
        var previousLength = 0;
        var maxKey = 0;
        long i = 0;
        var mask = KeyIndex.HashMask(hashBits);
        Span<byte> varint = stackalloc byte[10];
        foreach (var key in keys)
        {
            if (i == count) throw new InvalidOperationException($"more than {count} keys");
            var n = Encoding.UTF8.GetByteCount(key);
            if (n > current.Length)
            {
                current = new byte[Math.Max(n, 2 * current.Length)];
                Array.Resize(ref previous, current.Length);
            }

            Encoding.UTF8.GetBytes(key, current);
            var bytes = current.AsSpan(0, n);
            hashes[i] = KeyIndex.Hash(bytes) & mask;
            rows[i] = (uint)i;
            maxKey = Math.Max(maxKey, n);
            var shared = 0;
            if (i % BlockSize == 0) blocks[i / BlockSize] = at;
            else shared = bytes.CommonPrefixLength(previous.AsSpan(0, previousLength));
            at += WriteVarint(output, varint, shared) + WriteVarint(output, varint, n - shared);
            output.Write(bytes[shared..]);
            at += n - shared;
            (previous, current) = (current, previous);
            previousLength = n;
            i++;
        }

        if (i != count) throw new InvalidOperationException($"{i} keys, expected {count}");
        var textLength = at - KeyIndex.HeaderBytes;
        blocks[^1] = at;
        at += Pad(output, at, 8);
        var blocksAt = at;
        at += WriteAll(output, blocks);
        Array.Sort(hashes, rows);
        var hashesAt = at;
        at += WriteAll(output, hashes);
        var rowsAt = at;
        at += WriteAll(output, rows);
        rows = null!;
        var bits = KeyIndex.BucketBits(count);
        var buckets = new uint[(1L << bits) + 1];
        long h = 0;
        for (long b = 0; b < buckets.Length - 1; b++)
        {
            while (h < count && (long)(hashes[h] >> (64 - bits)) < b) h++;
            buckets[b] = (uint)h;
        }

        buckets[^1] = (uint)count;
        var bucketsAt = at;
        at += WriteAll(output, buckets);
        output.Flush();

        var header = new byte[KeyIndex.HeaderBytes];
        KeyIndex.Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), KeyIndex.Version);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), count);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), bits);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(28), maxKey);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), KeyIndex.HeaderBytes);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(40), textLength);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), blocksAt);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(56), hashesAt);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(64), rowsAt);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(72), bucketsAt);
        fingerprint.CopyTo(header.AsSpan(80));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(112), at);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(120), hashBits);
        file.Seek(0, SeekOrigin.Begin);
        file.Write(header);
        file.Seek(0, SeekOrigin.End);
    }

    private static int WriteVarint(Stream s, Span<byte> buffer, int value)
    {
        var n = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            buffer[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        buffer[n++] = (byte)v;
        s.Write(buffer[..n]);
        return n;
    }

    /// <summary>Writes an array's little-endian bytes in chunks (a byte span is limited to 2 GB).</summary>
    private static long WriteAll<T>(Stream s, T[] values)
        where T : unmanaged
    {
        const int Chunk = 1 << 20;
        long written = 0;
        for (var at = 0; at < values.Length; at += Chunk)
        {
            var bytes = MemoryMarshal.AsBytes(values.AsSpan(at, Math.Min(Chunk, values.Length - at)));
            s.Write(bytes);
            written += bytes.Length;
        }

        return written;
    }

    private static int Pad(Stream s, long at, int alignment)
    {
        var pad = (int)((alignment - (at % alignment)) % alignment);
        for (var k = 0; k < pad; k++) s.WriteByte(0);
        return pad;
    }
}
