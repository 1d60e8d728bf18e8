using System.Security.Cryptography;
using System.Text;
using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Core.Tensors;

namespace FairKd.Data.Cache;

/// <summary>
/// Writes an embedding cache folder for one partition of the ordered sample list, resumably.
/// <para>Contract: the caller reports every sample of the partition exactly once, in input order, starting at
/// <see cref="ResumePosition"/>: a <see cref="TeacherTarget"/> (<see cref="AddAsync"/>) or a <see cref="Reject"/>
/// (<see cref="AddRejectAsync"/>); then calls <see cref="CompleteAsync(CancellationToken)"/>.</para>
/// <para>Shards: a shard closes right after its <see cref="EmbeddingCacheOptions.RowsPerShard"/>-th accepted row, so
/// it covers a contiguous input range (its rows plus the rejects in between); the index records each range. Resume
/// restarts at the end of the last committed range: the interrupted shard and its rejects are recomputed, and since
/// boundaries depend only on the (deterministic) outcomes, the folder ends up byte-identical to an uninterrupted run.</para>
/// </summary>
public sealed class EmbeddingCacheWriter : IAsyncDisposable
{
    /// <summary>Stage name of rejects the writer itself produces (non-finite values).</summary>
    public const string RejectStage = "embed";

    private readonly string _dir;
    private readonly EmbeddingCacheOptions _options;
    private readonly IReadOnlyList<string> _keys;
    private readonly CacheSchema _schema;
    private readonly CacheRows _rows;
    private readonly Func<string, FileMode, Stream> _open;
    private readonly List<Reject> _pendingRejects = [];
    private readonly int _dim;
    private Dictionary<string, int>? _positions;
    private CacheIndex _index;
    private int _next;
    private ShardFileWriter? _shard;
    private string? _shardTemp;
    private int _shardRows;
    private int _shardInputStart;
    private string? _shardFirstKey;
    private string? _shardLastKey;
    private bool _faulted;

    private EmbeddingCacheWriter(string dir, EmbeddingCacheOptions options, IReadOnlyList<string> keys, CacheIndex index,
        Func<string, FileMode, Stream> open)
    {
        _dir = dir;
        _options = options;
        _keys = keys;
        _index = index;
        _open = open;
        _dim = options.Metadata.EmbeddingSize;
        _schema = new CacheSchema(options.Encoding);
        _rows = new CacheRows(Math.Min(options.RowGroupRows, options.RowsPerShard), _dim);
        _next = index.InputStart + index.CommittedInputs;
        _shardInputStart = _next;
    }

    /// <summary>The committed index (as on disk).</summary>
    public CacheIndex Index => _index;

    /// <summary>First global position (in the full ordered key list) of this writer's partition.</summary>
    public int PartitionStart => _index.InputStart;

    /// <summary>End (exclusive) global position of this writer's partition.</summary>
    public int PartitionEnd => _index.InputEnd;

    /// <summary>Global position of the next sample to report: samples before it are already committed (skip them).</summary>
    public int ResumePosition => _index.InputStart + _index.CommittedInputs;

    /// <summary>Global position of the next sample this writer expects (ResumePosition plus what was reported since opening).</summary>
    public int NextPosition => _next;

    /// <summary>Leading samples of the partition already covered by committed shards and rejects.</summary>
    public int CompletedKeyCount => _index.CommittedInputs;

    /// <summary>True when the partition was already complete when opened (a rerun is a no-op).</summary>
    public bool IsFinished => _index.Complete;

    /// <summary>True when the sample is committed (in a complete shard or committed reject), so it must not be recomputed.</summary>
    public bool IsComplete(string key)
    {
        return _positions!.TryGetValue(key, out var p) && p >= PartitionStart && p < ResumePosition;
    }

    /// <summary>
    /// Opens (creating or resuming) a cache folder.
    /// </summary>
    /// <param name="directory">Output folder (created if missing).</param>
    /// <param name="options">Metadata, fingerprint, layout, partition, force.</param>
    /// <param name="orderedKeys">The FULL deterministic ordered sample key list (all partitions); keys must be unique.</param>
    /// <exception cref="UsageException">Settings differ from the existing cache (without Force), duplicate keys, bad options.</exception>
    /// <param name="ct">Cancels opening the cache (checked before the folder is created).</param>
    /// <exception cref="IOException">The folder cannot be written.</exception>
    public static Task<EmbeddingCacheWriter> OpenAsync(string directory, EmbeddingCacheOptions options, IReadOnlyList<string> orderedKeys,
        CancellationToken ct = default) => OpenAsync(directory, options, orderedKeys, DefaultOpen, ct);

    internal static Task<EmbeddingCacheWriter> OpenAsync(string directory, EmbeddingCacheOptions options, IReadOnlyList<string> orderedKeys,
        Func<string, FileMode, Stream> open, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(orderedKeys);
        options.Validate();
        ct.ThrowIfCancellationRequested();
        var dir = Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create cache folder {dir}: {ex.Message}", ex);
        }

        var positions = BuildPositions(orderedKeys);
        var keysSha = HashKeys(orderedKeys);
        var (start, end) = options.Partition.RangeOf(orderedKeys.Count);
        var fresh = NewIndex(options, keysSha, orderedKeys.Count, start, end);

        CacheIndex? existing;
        try
        {
            existing = CacheIndex.TryLoad(dir);
        }
        catch (InvalidDataException ex) when (!options.Force)
        {
            throw new UsageException($"{ex.Message}; rerun with --force to replace the cache in {dir}");
        }
        catch (InvalidDataException)
        {
            existing = null;
        }

        CacheIndex index;
        if (existing is null || options.Force && Differences(existing, fresh).Count > 0)
        {
            if (existing is null && !options.Force && Directory.EnumerateFiles(dir, "part-*.parquet").Any())
                throw new UsageException($"{dir} holds shard files but no {CacheIndex.FileName}; rerun with --force to replace them");
            index = StartFresh(dir, fresh);
        }
        else
        {
            var diffs = Differences(existing, fresh);
            if (diffs.Count > 0)
                throw new UsageException($"{dir} holds a cache made with different settings ({string.Join("; ", diffs)}); " +
                    "rerun with --force to replace it, or choose another --out");
            try
            {
                index = Recover(dir, existing);
            }
            catch (InvalidDataException ex)
            {
                throw new UsageException($"{ex.Message}; rerun with --force to replace the cache in {dir}");
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new IOException($"cannot write the cache folder {dir}: {ex.Message}", ex);
            }
        }

        return Task.FromResult(new EmbeddingCacheWriter(dir, options, orderedKeys, index, open) { _positions = positions });
    }

    /// <summary>Adds an accepted target (the next sample in input order). Non-finite values are routed to rejects instead.</summary>
    /// <param name="target">The teacher target; embedding sizes must equal the metadata's, ethnicity 4 values.</param>
    /// <param name="sampleSha256">Optional SHA-256 of the sample's file, stored in the nullable <c>sha256</c> column.</param>
    /// <param name="ct">Cancels the row-group or shard write this row triggers, if any.</param>
    /// <returns>True when written, false when routed to rejects.</returns>
    public async Task<bool> AddAsync(TeacherTarget target, string? sampleSha256 = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckNext(target.Key);
        if (target.Embedding.Length != _dim || target.FlippedEmbedding.Length != _dim)
            throw new ArgumentException($"sample {target.Key}: embedding sizes {target.Embedding.Length}/{target.FlippedEmbedding.Length}, the cache holds {_dim}", nameof(target));
        if (target.Ethnicity.Length != EthnicGroups.Order.Length)
            throw new ArgumentException($"sample {target.Key}: {target.Ethnicity.Length} ethnicity values, expected {EthnicGroups.Order.Length}", nameof(target));

        var problem = NonFinite(target);
        if (problem is not null)
        {
            _pendingRejects.Add(new Reject(target.Key, RejectStage, problem));
            _next++;
            return false;
        }

        await Guard(async () =>
        {
            if (_shardRows == 0) _shardFirstKey = target.Key;
            _rows.Add(target, sampleSha256);
            _shardRows++;
            _shardLastKey = target.Key;
            _next++;
            if (_rows.IsFull) await FlushRowGroupAsync(ct);
            if (_shardRows == _options.RowsPerShard) await CommitAsync(ct);
        });
        return true;
    }

    /// <summary>Records that the next sample in input order was rejected by an earlier stage.</summary>
    public Task AddRejectAsync(Reject reject, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reject);
        ct.ThrowIfCancellationRequested();
        CheckNext(reject.Key);
        _pendingRejects.Add(reject);
        _next++;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Commits the last (partial) shard and trailing rejects, writes the key sidecar and marks the index complete.
    /// Every sample of the partition must have been reported. A no-op on a finished cache.
    /// </summary>
    public Task<CacheIndex> CompleteAsync(CancellationToken ct = default) => CompleteAsync(null, ct);

    /// <summary>As <see cref="CompleteAsync(CancellationToken)"/>, and appends <paramref name="session"/> (what this embedding
    /// session read, counted and took) to the index's <see cref="CacheIndex.Provenance"/> in the same atomic write.</summary>
    public async Task<CacheIndex> CompleteAsync(RunProvenance? session, CancellationToken ct = default)
    {
        if (_next != PartitionEnd)
            throw new InvalidOperationException($"{PartitionEnd - _next} samples of partition {_options.Partition} were not reported (next position {_next}, end {PartitionEnd})");
        if (_index.Complete && KeySidecar.TryRead(_dir, _index.Shards) is not null) return _index;
        await Guard(async () =>
        {
            if (_shardRows > 0 || _pendingRejects.Count > 0 || _index.CommittedInputs != _next - PartitionStart) await CommitAsync(ct);
            var keys = await KeySidecar.ScanAsync(_dir, _index, ct);
            KeySidecar.Write(_dir, _index.Shards, keys);
            CacheSidecars.Write(_dir, _index, keys, ct);
            Publish(_index with { Complete = true, Provenance = session is null ? _index.Provenance : [.. _index.Provenance ?? [], session] });
        });
        return _index;
    }

    /// <summary>Abandons an unfinished shard (its temp file is deleted; a rerun recomputes it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shard is not null) await _shard.DisposeAsync();
        _shard = null;
        if (_shardTemp is not null) CacheWrites.TryDelete(_shardTemp);
        _shardTemp = null;
    }

    /// <summary>SHA-256 (hex) of keys joined by '\n': the key-list fingerprint stored in the index.</summary>
    public static string HashKeys(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024];
        foreach (var k in keys)
        {
            var n = Encoding.UTF8.GetMaxByteCount(k.Length) + 1;
            if (n > buffer.Length) buffer = new byte[n];
            var written = Encoding.UTF8.GetBytes(k, buffer);
            buffer[written] = (byte)'\n';
            sha.AppendData(buffer, 0, written + 1);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static Stream DefaultOpen(string path, FileMode mode) =>
        new FileStream(path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite, FileShare.None, 1 << 20);

    private void CheckNext(string key)
    {
        if (_faulted) throw new InvalidOperationException("the cache writer failed earlier; reopen the folder to resume");
        if (_next >= PartitionEnd)
            throw new InvalidOperationException($"sample {key} is beyond the end of partition {_options.Partition} ({PartitionEnd - PartitionStart} samples)");
        if (!string.Equals(_keys[_next], key, StringComparison.Ordinal))
            throw new InvalidOperationException($"samples out of order: expected '{_keys[_next]}' at position {_next}, got '{key}'");
    }

    private static string? NonFinite(TeacherTarget t)
    {
        if (!Chw.AllFinite(t.Embedding)) return "non-finite value (NaN/Inf) in embedding";
        if (!Chw.AllFinite(t.FlippedEmbedding)) return "non-finite value (NaN/Inf) in flipped embedding";
        if (!float.IsFinite(t.Norm) || !float.IsFinite(t.FlippedNorm)) return "non-finite embedding norm";
        if (!Chw.AllFinite(t.Ethnicity)) return "non-finite ethnicity probability";
        return null;
    }

    private async Task Guard(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _faulted = true;
            await DisposeAsync();
            var hint = ex.Message.Contains(CacheWrites.WriteHint, StringComparison.Ordinal) ? "" : " " + CacheWrites.WriteHint;
            throw new IOException($"writing the embedding cache in {_dir} failed: {ex.Message}{hint}. " +
                "Nothing partial was indexed; rerun to resume from the last complete shard.", ex);
        }
    }

    private async Task FlushRowGroupAsync(CancellationToken ct)
    {
        if (_rows.Count == 0) return;
        if (_shard is null)
        {
            _shardTemp = Path.Combine(_dir, ShardName(_index.Shards.Count) + CacheWrites.TempSuffix);
            var stream = _open(_shardTemp, FileMode.Create);
            // Shards carry the index's metadata: a resumed cache from before the imaging record stays without one throughout.
            _shard = await ShardFileWriter.CreateAsync(stream, _schema, _options.Metadata with { Imaging = _index.Metadata.Imaging }, ct);
        }

        await _shard.WriteRowGroupAsync(_rows, ct);
        _rows.Clear();
    }

    /// <summary>Closes the current shard (if it has rows), renames it, appends its rejects, rewrites the index.</summary>
    private async Task CommitAsync(CancellationToken ct)
    {
        var shards = _index.Shards.ToList();
        if (_shardRows > 0)
        {
            await FlushRowGroupAsync(ct);
            await _shard!.CloseAsync();
            _shard = null;
            var final = Path.Combine(_dir, ShardName(shards.Count));
            Core.IO.AtomicFile.Commit(_shardTemp!, final);
            _shardTemp = null;
            var rejectsEnd = RejectLog.Append(_dir, _pendingRejects, _open);
            shards.Add(new ShardEntry(Path.GetFileName(final), _shardRows, new FileInfo(final).Length, Core.IO.FileHash.Sha256(final),
                _shardFirstKey!, _shardLastKey!, _shardInputStart, _next - _shardInputStart, _pendingRejects.Count, rejectsEnd));
        }

        var length = RejectLog.Append(_dir, _shardRows > 0 ? [] : _pendingRejects, _open);
        Publish(_index with
        {
            Shards = shards,
            CommittedInputs = _next - PartitionStart,
            RejectCount = _index.RejectCount + _pendingRejects.Count,
            RejectsBytes = length,
        });
        _pendingRejects.Clear();
        _shardRows = 0;
        _shardInputStart = _next;
        _shardFirstKey = _shardLastKey = null;
    }

    private void Publish(CacheIndex index)
    {
        index.Save(_dir);
        _index = index;
    }

    internal static string ShardName(int i) => $"part-{i:D5}.parquet";

    private static Dictionary<string, int> BuildPositions(IReadOnlyList<string> keys)
    {
        var d = new Dictionary<string, int>(keys.Count, StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
            if (!d.TryAdd(keys[i], i)) throw new UsageException($"duplicate sample key '{keys[i]}' at positions {d[keys[i]]} and {i}");
        return d;
    }

    private static CacheIndex NewIndex(EmbeddingCacheOptions o, string keysSha, int total, int start, int end) => new()
    {
        SchemaVersion = CacheIndex.CurrentSchemaVersion,
        Metadata = o.Metadata,
        ClassOrder = [.. EthnicGroups.Order],
        Fingerprint = o.Fingerprint,
        KeysSha256 = keysSha,
        TotalKeys = total,
        PartitionIndex = o.Partition.Index,
        PartitionCount = o.Partition.Count,
        InputStart = start,
        InputEnd = end,
        Encoding = o.Encoding,
        RowsPerShard = o.RowsPerShard,
        RowGroupRows = o.RowGroupRows,
        Shards = [],
        CommittedInputs = 0,
        RejectCount = 0,
        RejectsBytes = 0,
        Complete = false,
    };

    /// <summary>What differs between an existing index and the one this run would write (empty = resumable).</summary>
    internal static List<string> Differences(CacheIndex old, CacheIndex now)
    {
        var d = new List<string>();
        void Check<T>(string what, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) d.Add($"{what}: cache has '{a}', this run has '{b}'");
        }

        Check("schema version", old.SchemaVersion, now.SchemaVersion);
        Check("teacher", old.Metadata.Teacher, now.Metadata.Teacher);
        Check("weights SHA-256", old.Metadata.WeightsSha256, now.Metadata.WeightsSha256);
        Check("preprocessing", old.Metadata.Preprocessing, now.Metadata.Preprocessing);
        // A cache written before the imaging record resumes: its preprocessing string and inputs fingerprint (which
        // hashes the landmark files) already cover what the record adds.
        if (old.Metadata.Imaging is not null)
            Check("imaging record", old.Metadata.Imaging.CanonicalLine(), now.Metadata.Imaging?.CanonicalLine() ?? "(none)");
        Check("embedding size", old.Metadata.EmbeddingSize, now.Metadata.EmbeddingSize);
        Check("class order", string.Join(',', old.ClassOrder), string.Join(',', now.ClassOrder));
        Check("inputs fingerprint", old.Fingerprint, now.Fingerprint);
        Check("sample keys (SHA-256 of the ordered key list)", old.KeysSha256, now.KeysSha256);
        Check("partition", $"{old.PartitionIndex} of {old.PartitionCount}", $"{now.PartitionIndex} of {now.PartitionCount}");
        Check("embedding encoding", old.Encoding, now.Encoding);
        Check("rows per shard", old.RowsPerShard, now.RowsPerShard);
        Check("rows per row group", old.RowGroupRows, now.RowGroupRows);
        return d;
    }

    /// <summary>Deletes every cache file in the folder and writes an empty index.</summary>
    private static CacheIndex StartFresh(string dir, CacheIndex fresh)
    {
        try
        {
            foreach (var f in CacheFiles(dir)) File.Delete(f);
            var index = fresh with { RejectsBytes = RejectLog.Create(dir) };
            index.Save(dir);
            return index;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"cannot write the cache folder {dir}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Brings the folder back to its committed state: drops the index tail from the first missing or resized shard,
    /// deletes temp files and unindexed shards, cuts rejects.csv to its committed length.
    /// </summary>
    private static CacheIndex Recover(string dir, CacheIndex index)
    {
        var keep = 0;
        var changed = false;
        while (keep < index.Shards.Count)
        {
            var info = new FileInfo(Path.Combine(dir, index.Shards[keep].File));
            if (!info.Exists || info.Length != index.Shards[keep].Bytes) break;
            keep++;
        }

        if (keep < index.Shards.Count)
        {
            var firstLost = index.Shards[keep];
            changed = true;
            index = index with
            {
                Shards = [.. index.Shards.Take(keep)],
                CommittedInputs = firstLost.InputStart - index.InputStart,
                RejectCount = index.Shards.Take(keep).Sum(s => s.Rejects),
                RejectsBytes = keep == 0 ? RejectLog.Header.Length : index.Shards[keep - 1].RejectsEndBytes,
                Complete = false,
            };
        }

        var indexed = index.Shards.Select(s => s.File).ToHashSet(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            var name = Path.GetFileName(f);
            var stray = name.EndsWith(CacheWrites.TempSuffix, StringComparison.Ordinal)
                || (name.StartsWith("part-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal) && !indexed.Contains(name));
            if (stray) File.Delete(f);
        }

        RejectLog.Truncate(dir, index.RejectsBytes);
        if (changed) index.Save(dir);
        return index;
    }

    internal static IEnumerable<string> CacheFiles(string dir) =>
        Directory.EnumerateFiles(dir).Where(f =>
        {
            var n = Path.GetFileName(f);
            return n.EndsWith(CacheWrites.TempSuffix, StringComparison.Ordinal)
                || (n.StartsWith("part-", StringComparison.Ordinal) && n.EndsWith(".parquet", StringComparison.Ordinal))
                || n is CacheIndex.FileName or KeySidecar.FileName or RejectLog.FileName or KeyIndex.FileName or TargetMatrix.FileName or TargetMatrix.MetaFileName;
        }).ToList();
}
