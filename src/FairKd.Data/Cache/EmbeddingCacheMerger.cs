using FairKd.Core;

namespace FairKd.Data.Cache;

/// <summary>
/// Joins the partition folders of a scaled-out embed run (<c>--shard-index K --shard-count N</c>) into one cache.
/// Validates: every partition 0..N-1 present once and complete, identical metadata, fingerprint, key list and
/// layout, contiguous input ranges covering all samples, no key in two partitions. Shards are copied (or moved)
/// in partition order and renumbered, so rows keep the single-run input order; rejects are concatenated; the
/// merged index and key sidecar are written last (the index is the commit point).
/// </summary>
public static class EmbeddingCacheMerger
{
    /// <summary>Merges partition folders into <paramref name="outDir"/> and returns the merged index.</summary>
    /// <param name="partDirs">One folder per partition, any order.</param>
    /// <param name="outDir">Output folder; must not hold a cache unless <paramref name="force"/>.</param>
    /// <param name="move">Move shard files instead of copying them (faster on one file system; empties the partition folders).</param>
    /// <param name="force">Replace an existing cache in <paramref name="outDir"/>.</param>
    /// <param name="ct">Cancels the merge; a cancelled merge leaves no index in <paramref name="outDir"/>.</param>
    /// <exception cref="UsageException">Partitions missing, duplicated, incomplete or inconsistent; output not empty.</exception>
    public static async Task<CacheIndex> MergeAsync(IReadOnlyList<string> partDirs, string outDir, bool move = false, bool force = false,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(partDirs);
        if (partDirs.Count == 0) throw new UsageException("merge needs at least one partition folder");
        var parts = new List<(string Dir, CacheIndex Index)>();
        foreach (var d in partDirs)
        {
            var dir = Path.GetFullPath(d);
            CacheIndex index;
            try
            {
                index = CacheIndex.TryLoad(dir) ?? throw new UsageException($"{dir} is not an embedding cache (no {CacheIndex.FileName})");
            }
            catch (InvalidDataException ex)
            {
                throw new UsageException(ex.Message);
            }

            if (!index.Complete)
                throw new UsageException($"partition {index.PartitionIndex} in {dir} is incomplete ({index.CommittedInputs} of {index.InputEnd - index.InputStart} samples): finish it first");
            parts.Add((dir, index));
        }

        parts.Sort((a, b) => a.Index.PartitionIndex.CompareTo(b.Index.PartitionIndex));
        var first = parts[0].Index;
        var count = first.PartitionCount;
        foreach (var (dir, index) in parts)
        {
            var diffs = EmbeddingCacheWriter.Differences(first, index with { PartitionIndex = first.PartitionIndex });
            if (diffs.Count > 0)
                throw new UsageException($"{dir} does not belong with {parts[0].Dir}: {string.Join("; ", diffs)}");
        }

        var indices = parts.Select(p => p.Index.PartitionIndex).ToList();
        var dup = indices.GroupBy(i => i).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new UsageException($"partition {dup.Key} of {count} is given twice");
        var missing = Enumerable.Range(0, count).Except(indices).ToList();
        if (missing.Count > 0) throw new UsageException($"partitions {string.Join(", ", missing)} of {count} are missing");
        for (var i = 0; i < parts.Count; i++)
        {
            var expectedStart = i == 0 ? 0 : parts[i - 1].Index.InputEnd;
            if (parts[i].Index.InputStart != expectedStart)
                throw new UsageException($"partition {i} starts at sample {parts[i].Index.InputStart}, expected {expectedStart}");
        }

        if (parts[^1].Index.InputEnd != first.TotalKeys)
            throw new UsageException($"the partitions cover {parts[^1].Index.InputEnd} of {first.TotalKeys} samples");

        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (dir, index) in parts)
        {
            foreach (var k in KeySidecar.TryRead(dir, index.Shards) ?? await KeySidecar.ScanAsync(dir, index, ct))
            {
                if (!seen.Add(k)) throw new UsageException($"key '{k}' appears in more than one partition (partition {index.PartitionIndex} in {dir})");
                keys.Add(k);
            }
        }

        var output = Path.GetFullPath(outDir);
        Directory.CreateDirectory(output);
        if (File.Exists(Path.Combine(output, CacheIndex.FileName)) && !force)
            throw new UsageException($"{output} already holds an embedding cache; pass --force to replace it");
        if (parts.Any(p => string.Equals(p.Dir, output, StringComparison.Ordinal)))
            throw new UsageException($"the merge output {output} must not be one of the partition folders");
        foreach (var f in EmbeddingCacheWriter.CacheFiles(output)) File.Delete(f);

        var shards = new List<ShardEntry>();
        var rejects = new List<Core.Records.Reject>();
        foreach (var (dir, index) in parts)
        {
            rejects.AddRange(RejectLog.Read(dir).Take(index.RejectCount));
            foreach (var s in index.Shards)
            {
                ct.ThrowIfCancellationRequested();
                var name = EmbeddingCacheWriter.ShardName(shards.Count);
                var temp = Path.Combine(output, name + CacheWrites.TempSuffix);
                var source = Path.Combine(dir, s.File);
                if (move) File.Move(source, temp, overwrite: true);
                else File.Copy(source, temp, overwrite: true);
                Core.IO.AtomicFile.Commit(temp, Path.Combine(output, name));
                shards.Add(s with { File = name });
            }
        }

        var rejectsLength = RejectLog.Create(output);
        rejectsLength = RejectLog.Append(output, rejects, (p, m) => new FileStream(p, m, FileAccess.Write));
        var merged = first with
        {
            PartitionIndex = 0,
            PartitionCount = 1,
            InputStart = 0,
            InputEnd = first.TotalKeys,
            Shards = RecomputeRejectOffsets(shards, parts, output),
            CommittedInputs = first.TotalKeys,
            RejectCount = rejects.Count,
            RejectsBytes = rejectsLength,
            Complete = true,
            Provenance = parts.Any(p => p.Index.Provenance is not null) ? [.. parts.SelectMany(p => p.Index.Provenance ?? [])] : null,
        };
        KeySidecar.Write(output, merged.Shards, keys);
        CacheSidecars.Write(output, merged, keys, ct);
        merged.Save(output);
        return merged;
    }

    /// <summary>Shard entries with RejectsEndBytes recomputed for the concatenated rejects.csv (each shard's rejects in order).</summary>
    private static List<ShardEntry> RecomputeRejectOffsets(List<ShardEntry> shards, List<(string Dir, CacheIndex Index)> parts, string output)
    {
        var all = RejectLog.Read(output);
        var header = (long)RejectLog.Header.Length;
        var lineEnds = new long[all.Count + 1];
        lineEnds[0] = header;
        for (var i = 0; i < all.Count; i++) lineEnds[i + 1] = lineEnds[i] + System.Text.Encoding.UTF8.GetByteCount(RejectLog.Line(all[i]));
        var result = new List<ShardEntry>(shards.Count);
        var consumed = 0;
        var at = 0;
        foreach (var (_, index) in parts)
        {
            var partConsumed = 0;
            foreach (var s in index.Shards)
            {
                partConsumed += s.Rejects;
                result.Add(shards[at++] with { RejectsEndBytes = lineEnds[consumed + partConsumed] });
            }

            consumed += index.RejectCount;
        }

        return result;
    }
}
