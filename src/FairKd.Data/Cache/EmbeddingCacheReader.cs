using System.Runtime.CompilerServices;
using FairKd.Core;
using FairKd.Core.Records;

namespace FairKd.Data.Cache;

/// <summary>Where a sample's row is: shard number (in the index's shard list) and row within that shard.</summary>
public readonly record struct CacheLocation(int Shard, int Row);

/// <summary>Options of <see cref="EmbeddingCacheReader"/>.</summary>
public sealed record EmbeddingCacheReaderOptions
{
    /// <summary>Row groups kept decoded in memory for key lookups (LRU). Default 4 (≈ 4 x 8,192 rows x 2 x 512 floats = 128 MB).</summary>
    public int CachedRowGroups { get; init; } = 4;

    /// <summary>Open a cache whose index is not complete (an unfinished embed run). Default false.</summary>
    public bool AllowIncomplete { get; init; }
}

/// <summary>
/// Reads an embedding cache folder: validated index, key lookup through the memory-mapped <see cref="KeyIndex"/>
/// (<c>_keys.idx</c>, built on first use when missing), full targets by key from an LRU of decoded row groups (no
/// per-sample file opens; for shuffled training lookups use <see cref="TargetMatrix"/>), in-order streaming with reused
/// buffers, and the label columns alone for the manifest stage. Lookups are thread-safe (one lock).
/// </summary>
public sealed class EmbeddingCacheReader : IDisposable
{
    private readonly EmbeddingCacheReaderOptions _options;
    private readonly long[] _shardStarts;
    private readonly Lock _gate = new();
    private readonly LinkedList<(int Shard, int Group, CacheRows Rows)> _lru = new();
    private readonly Dictionary<(int, int), LinkedListNode<(int Shard, int Group, CacheRows Rows)>> _lruIndex = [];
    private KeyIndex? _keyIndex;
    private ShardFileReader? _openShard;
    private int _openShardIndex = -1;

    private EmbeddingCacheReader(string directory, CacheIndex index, EmbeddingCacheReaderOptions options)
    {
        Directory = directory;
        Index = index;
        _options = options;
        _shardStarts = new long[index.Shards.Count + 1];
        for (var i = 0; i < index.Shards.Count; i++) _shardStarts[i + 1] = _shardStarts[i] + index.Shards[i].Rows;
    }

    /// <summary>The cache folder (holds <c>_cache.json</c> and the shards).</summary>
    public string Directory { get; }

    /// <summary>The validated <c>_cache.json</c> read when the cache was opened.</summary>
    public CacheIndex Index { get; }

    /// <summary>Teacher, weights SHA-256, preprocessing and embedding size the cache was written with (from the index).</summary>
    public CacheMetadata Metadata => Index.Metadata;

    /// <summary>Floats per embedding (and per flipped embedding) in every row.</summary>
    public int EmbeddingSize => Index.Metadata.EmbeddingSize;

    /// <summary>Number of target rows.</summary>
    public long Count => _shardStarts[^1];

    /// <summary>After the first lookup: true when the key index was opened from <c>_keys.idx</c> or built from the
    /// <c>_keys.msgpack</c> sidecar; false when it had to be built by scanning the shards' key columns.</summary>
    public bool? LookupFromSidecar { get; private set; }

    /// <summary>Opens a cache folder and checks that its index is readable and complete and every shard is present with its recorded size.</summary>
    /// <exception cref="UsageException">No cache in the folder, or an unfinished one (without AllowIncomplete).</exception>
    /// <exception cref="InvalidDataException">Index unreadable, shard missing or of the wrong size.</exception>
    public static EmbeddingCacheReader Open(string directory, EmbeddingCacheReaderOptions? options = null)
    {
        options ??= new EmbeddingCacheReaderOptions();
        if (options.CachedRowGroups < 1) throw new UsageException("cached row groups must be at least 1");
        var dir = Path.GetFullPath(directory);
        var index = CacheIndex.TryLoad(dir) ?? throw new UsageException($"{dir} is not an embedding cache (no {CacheIndex.FileName})");
        if (!index.Complete && !options.AllowIncomplete)
            throw new UsageException($"the embedding cache in {dir} is incomplete ({index.CommittedInputs} of {index.InputEnd - index.InputStart} samples): rerun embed to finish it");
        foreach (var s in index.Shards)
        {
            var info = new FileInfo(Path.Combine(dir, s.File));
            if (!info.Exists) throw new InvalidDataException($"{dir}: indexed shard {s.File} is missing");
            if (info.Length != s.Bytes) throw new InvalidDataException($"{dir}: shard {s.File} is {info.Length} bytes, the index says {s.Bytes}");
        }

        return new EmbeddingCacheReader(dir, index, options);
    }

    /// <summary>Recomputes every shard's SHA-256 and checks its metadata; returns the problems found (empty = intact).</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken ct = default)
    {
        var problems = new List<string>();
        foreach (var s in Index.Shards)
        {
            ct.ThrowIfCancellationRequested();
            var path = Path.Combine(Directory, s.File);
            var sha = await Task.Run(() => Core.IO.FileHash.Sha256(path), ct);
            if (sha != s.Sha256) { problems.Add($"{s.File}: SHA-256 {sha} differs from the index ({s.Sha256})"); continue; }
            try
            {
                await using var r = await ShardFileReader.OpenAsync(path, Index.Encoding, EmbeddingSize, ct);
                var expected = CacheSchema.FileMetadata(Index.Metadata, Index.Encoding);
                foreach (var (k, v) in expected)
                    if (k != CacheSchema.MetaPrefix + "version" && (!r.Metadata.TryGetValue(k, out var a) || a != v))
                        problems.Add($"{s.File}: metadata {k} is '{a}', the index says '{v}'");
                var rows = Enumerable.Range(0, r.RowGroupCount).Sum(r.RowGroupRows);
                if (rows != s.Rows) problems.Add($"{s.File}: {rows} rows, the index says {s.Rows}");
            }
            catch (InvalidDataException ex)
            {
                problems.Add(ex.Message);
            }
        }

        return problems;
    }

    /// <summary>Where a key's row is, or false when the key is not in the cache (rejected or never embedded).</summary>
    public bool TryLookup(string key, out CacheLocation location)
    {
        if (!TryGetRow(key, out var global))
        {
            location = default;
            return false;
        }

        var shard = Array.BinarySearch(_shardStarts, global);
        if (shard < 0) shard = ~shard - 1;
        while (shard + 1 < _shardStarts.Length && _shardStarts[shard + 1] <= global) shard++;
        location = new CacheLocation(shard, (int)(global - _shardStarts[shard]));
        return true;
    }

    /// <summary>The key's global row (position in cache order, the row of <see cref="TargetMatrix"/>), or false when the
    /// key is not in the cache. Uses the memory-mapped <see cref="KeyIndex"/>, built on first use when missing or stale.</summary>
    public bool TryGetRow(string key, out long row) => KeyIndexOf().TryGetRow(key, out row);

    /// <summary>The key index of this cache (opened, or built on first use; see <see cref="LookupFromSidecar"/>).</summary>
    public KeyIndex KeyIndexOf()
    {
        if (_keyIndex is not null) return _keyIndex;
        lock (_gate)
        {
            if (_keyIndex is not null) return _keyIndex;
            var print = Index.ContentFingerprint();
            var fromSidecar = true;
            _keyIndex = CacheSidecars.OpenOrBuild(Directory,
                dir => KeyIndex.TryOpen(Path.Combine(dir, KeyIndex.FileName), print, Count),
                dir =>
                {
                    var keys = KeySidecar.TryRead(Directory, Index.Shards);
                    fromSidecar = keys is not null;
                    keys ??= KeySidecar.ScanAsync(Directory, Index, CancellationToken.None).GetAwaiter().GetResult();
                    KeyIndexBuilder.Write(Path.Combine(dir, KeyIndex.FileName), keys, keys.Length, print);
                },
                (dir, built) => built.CheckUnique(Directory),
                KeyIndex.FileName);
            LookupFromSidecar = fromSidecar;
            return _keyIndex;
        }
    }

    /// <summary>Where a key's row is, or null when the key is not in the cache.</summary>
    public CacheLocation? Lookup(string key) => TryLookup(key, out var loc) ? loc : null;

    /// <summary>Copies a key's target into caller buffers. False when the key is not in the cache.</summary>
    /// <param name="key">Sample key.</param>
    /// <param name="embedding">EmbeddingSize floats.</param>
    /// <param name="flippedEmbedding">EmbeddingSize floats.</param>
    /// <param name="ethnicity">4 floats, <see cref="EthnicGroups.Order"/>.</param>
    /// <param name="norm">Raw norm of the embedding.</param>
    /// <param name="flippedNorm">Raw norm of the flipped embedding.</param>
    public bool TryGetTarget(string key, Span<float> embedding, Span<float> flippedEmbedding, Span<float> ethnicity, out float norm, out float flippedNorm)
    {
        norm = flippedNorm = 0;
        if (!TryLookup(key, out var loc)) return false;
        lock (_gate)
        {
            var (rows, row) = Load(loc, key);
            rows.Embedding(row).CopyTo(embedding);
            rows.FlippedEmbedding(row).CopyTo(flippedEmbedding);
            rows.CopyEthnicity(row, ethnicity);
            norm = rows.Norms[row];
            flippedNorm = rows.FlippedNorms[row];
        }

        return true;
    }

    /// <summary>A key's full target (allocates), or null when the key is not in the cache.</summary>
    public TeacherTarget? GetTarget(string key)
    {
        if (!TryLookup(key, out var loc)) return null;
        lock (_gate)
        {
            var (rows, row) = Load(loc, key);
            return rows.ToTarget(row);
        }
    }

    /// <summary>Targets of the given keys, in the given order; keys not in the cache are skipped.</summary>
    public IEnumerable<TeacherTarget> ReadTargets(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var k in keys)
            if (GetTarget(k) is { } t) yield return t;
    }

    /// <summary>
    /// Every row in cache order, one row group at a time. The same <see cref="CacheRows"/> instance is reused and
    /// overwritten on each step: copy what you keep.
    /// </summary>
    public IAsyncEnumerable<CacheRows> StreamShardsAsync(CancellationToken ct = default) => StreamRowsAsync(Directory, Index, ct);

    /// <summary>Every row of the shards <paramref name="index"/> lists in <paramref name="directory"/>, in order (one reused <see cref="CacheRows"/>).</summary>
    internal static async IAsyncEnumerable<CacheRows> StreamRowsAsync(string directory, CacheIndex index, [EnumeratorCancellation] CancellationToken ct = default)
    {
        CacheRows? rows = null;
        var width = index.Metadata.EmbeddingSize;
        for (var s = 0; s < index.Shards.Count; s++)
        {
            await using var reader = await ShardFileReader.OpenAsync(Path.Combine(directory, index.Shards[s].File), index.Encoding, width, ct);
            var first = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var n = reader.RowGroupRows(g);
                if (rows is null || rows.Capacity < n) rows = new CacheRows(Math.Max(n, index.RowGroupRows), width);
                await reader.ReadRowGroupAsync(g, rows, labelsOnly: false, ct);
                rows.ShardIndex = s;
                rows.FirstRow = first;
                first += n;
                yield return rows;
            }
        }
    }

    /// <summary>
    /// The labels of every row for the manifest stage, reading only key, dataset, identity, group, sha256 and the
    /// ethnicity columns (never the embeddings). RelativePath = key without its <c>dataset/</c> prefix.
    /// </summary>
    public async Task<IReadOnlyList<LabeledSample>> ReadLabelsAsync(CancellationToken ct = default)
    {
        var result = new List<LabeledSample>(checked((int)Count));
        var rows = new CacheRows(Math.Max(1, Index.RowGroupRows), 1);
        for (var s = 0; s < Index.Shards.Count; s++)
        {
            await using var reader = await OpenShardAsync(s, ct);
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                if (reader.RowGroupRows(g) > rows.Capacity) rows = new CacheRows(reader.RowGroupRows(g), 1);
                await reader.ReadRowGroupAsync(g, rows, labelsOnly: true, ct);
                for (var i = 0; i < rows.Count; i++)
                {
                    var eth = new float[rows.Ethnicity.Length];
                    rows.CopyEthnicity(i, eth);
                    var key = rows.Keys[i];
                    var prefix = rows.Datasets[i] + "/";
                    var relative = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
                    result.Add(new LabeledSample(key, rows.Datasets[i], rows.Identities[i], rows.Groups[i], relative, eth, rows.Sha256s[i]));
                }
            }
        }

        return result;
    }

    /// <summary>Closes the open shard, drops the decoded row groups and unmaps the key index.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _openShard?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _openShard = null;
            _lru.Clear();
            _lruIndex.Clear();
            _keyIndex?.Dispose();
            _keyIndex = null;
        }
    }

    private Task<ShardFileReader> OpenShardAsync(int shard, CancellationToken ct) =>
        ShardFileReader.OpenAsync(Path.Combine(Directory, Index.Shards[shard].File), Index.Encoding, EmbeddingSize, ct);

    /// <summary>The decoded row group holding a location (from the LRU, or loaded into a recycled buffer). Caller holds the lock.</summary>
    private (CacheRows Rows, int Row) Load(CacheLocation loc, string key)
    {
        var (rows, row) = LoadGroup(loc);
        if (!string.Equals(rows.Keys[row], key, StringComparison.Ordinal))
            throw new InvalidDataException($"{Index.Shards[loc.Shard].File} row {loc.Row} holds '{rows.Keys[row]}', the key sidecar says '{key}'");
        return (rows, row);
    }

    private (CacheRows Rows, int Row) LoadGroup(CacheLocation loc)
    {
        var groupRows = Math.Min(Index.RowGroupRows, Math.Max(1, Index.RowsPerShard));
        var group = loc.Row / groupRows;
        var row = loc.Row % groupRows;
        if (_lruIndex.TryGetValue((loc.Shard, group), out var node))
        {
            _lru.Remove(node);
            _lru.AddFirst(node);
            return (node.Value.Rows, row);
        }

        CacheRows rows;
        if (_lru.Count >= _options.CachedRowGroups)
        {
            var last = _lru.Last!;
            _lru.RemoveLast();
            _lruIndex.Remove((last.Value.Shard, last.Value.Group));
            rows = last.Value.Rows;
        }
        else
        {
            rows = new CacheRows(groupRows, EmbeddingSize);
        }

        if (_openShardIndex != loc.Shard)
        {
            _openShard?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _openShard = null;
            _openShardIndex = -1;
            _openShard = OpenShardAsync(loc.Shard, CancellationToken.None).GetAwaiter().GetResult();
            _openShardIndex = loc.Shard;
        }

        _openShard!.ReadRowGroupAsync(group, rows, labelsOnly: false, CancellationToken.None).GetAwaiter().GetResult();
        if (row >= rows.Count || rows.Keys[row] is null)
            throw new InvalidDataException($"{Index.Shards[loc.Shard].File}: row group {group} has {rows.Count} rows, row {row} was expected");
        var added = _lru.AddFirst((loc.Shard, group, rows));
        _lruIndex[(loc.Shard, group)] = added;
        return (rows, row);
    }
}
