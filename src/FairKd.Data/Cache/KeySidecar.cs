using System.Buffers;
using MessagePack;

namespace FairKd.Data.Cache;

/// <summary>
/// <c>_keys.msgpack</c>: the key -&gt; (shard, row) lookup, written with the final index so a trainer starts
/// without scanning shards. MessagePack array <c>[format 1, [shard file names], [shard row counts], [keys in cache
/// order]]</c>: a key's global row is its position in the key list; shard and row follow from the row counts.
/// A sidecar whose shard list does not match the index is ignored (the reader rebuilds from the key columns).
/// </summary>
internal static class KeySidecar
{
    public const string FileName = "_keys.msgpack";
    private const int Format = 1;

    public static void Write(string directory, IReadOnlyList<ShardEntry> shards, IReadOnlyList<string> keys)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(4);
        w.Write(Format);
        w.WriteArrayHeader(shards.Count);
        foreach (var s in shards) w.Write(s.File);
        w.WriteArrayHeader(shards.Count);
        foreach (var s in shards) w.Write(s.Rows);
        w.WriteArrayHeader(keys.Count);
        foreach (var k in keys) w.Write(k);
        w.Flush();
        CacheWrites.WriteAllBytes(Path.Combine(directory, FileName), buffer.WrittenSpan);
    }

    /// <summary>The keys in cache order, or null when the sidecar is missing, unreadable or stale.</summary>
    public static string[]? TryRead(string directory, IReadOnlyList<ShardEntry> shards)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var r = new MessagePackReader(File.ReadAllBytes(path));
            if (r.ReadArrayHeader() != 4 || r.ReadInt32() != Format) return null;
            if (r.ReadArrayHeader() != shards.Count) return null;
            foreach (var s in shards)
                if (r.ReadString() != s.File) return null;
            if (r.ReadArrayHeader() != shards.Count) return null;
            foreach (var s in shards)
                if (r.ReadInt32() != s.Rows) return null;
            var n = r.ReadArrayHeader();
            if (n != shards.Sum(s => (long)s.Rows)) return null;
            var keys = new string[n];
            for (var i = 0; i < n; i++) keys[i] = r.ReadString() ?? throw new InvalidDataException("null key");
            return keys;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or InvalidDataException or EndOfStreamException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Reads the key column of every shard, in order (the slow path the sidecar avoids).</summary>
    public static async Task<string[]> ScanAsync(string directory, CacheIndex index, CancellationToken ct)
    {
        var keys = new string[index.RowCount];
        var at = 0;
        var buffer = new string[index.RowGroupRows];
        foreach (var s in index.Shards)
        {
            await using var reader = await ShardFileReader.OpenAsync(Path.Combine(directory, s.File), index.Encoding, index.Metadata.EmbeddingSize, ct);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var n = reader.RowGroupRows(g);
                if (n > buffer.Length) buffer = new string[n];
                await reader.ReadKeysAsync(g, buffer, ct);
                if (at + n > keys.Length) throw new InvalidDataException($"{s.File} holds more rows than the index says ({s.Rows})");
                Array.Copy(buffer, 0, keys, at, n);
                at += n;
            }
        }

        if (at != keys.Length) throw new InvalidDataException($"the shards hold {at} rows, the index says {keys.Length}");
        return keys;
    }
}
