using FairKd.Core;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Cache;

public class CacheMergeTests
{
    private static readonly string[] Keys = CacheTestData.Keys(47);

    [Fact]
    public async Task Partitions_merged_equal_a_single_run()
    {
        using var tmp = new TempDir("merge");
        var single = tmp.Combine("single");
        await CacheTestData.WriteAllAsync(single, CacheTestData.Options(), Keys);
        var parts = await WritePartitionsAsync(tmp, 3);

        var merged = await EmbeddingCacheMerger.MergeAsync([parts[2], parts[0], parts[1]], tmp.Combine("merged"));

        Assert.True(merged.Complete);
        Assert.Equal((0, 1, 0, Keys.Length), (merged.PartitionIndex, merged.PartitionCount, merged.InputStart, merged.InputEnd));
        var a = await CacheTestData.ReadAllAsync(single);
        var b = await CacheTestData.ReadAllAsync(tmp.Combine("merged"));
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Key, b[i].Key);
            Assert.Equal(a[i].Embedding, b[i].Embedding);
            Assert.Equal(a[i].Ethnicity, b[i].Ethnicity);
        }

        Assert.Equal(RejectLog.Read(single), RejectLog.Read(tmp.Combine("merged")));
        using var r = EmbeddingCacheReader.Open(tmp.Combine("merged"));
        Assert.Empty(await r.VerifyAsync());
        Assert.True(r.TryLookup(a[^1].Key, out var loc));
        Assert.Equal(merged.Shards.Count - 1, loc.Shard);
        Assert.True(r.LookupFromSidecar);
        Assert.Equal(File.ReadAllBytes(tmp.Combine("single", RejectLog.FileName)), File.ReadAllBytes(tmp.Combine("merged", RejectLog.FileName)));
        Assert.Equal(merged.RejectsBytes, merged.Shards[^1].RejectsEndBytes + TrailingRejectBytes(tmp.Combine("merged"), merged));

        // A single-partition rerun over the merged folder is a no-op.
        await using var w = await EmbeddingCacheWriter.OpenAsync(tmp.Combine("merged"), CacheTestData.Options(), Keys);
        Assert.True(w.IsFinished);
    }

    [Fact]
    public async Task Merge_refuses_missing_incomplete_or_foreign_partitions()
    {
        using var tmp = new TempDir("merge");
        var parts = await WritePartitionsAsync(tmp, 3);

        var missing = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheMerger.MergeAsync([parts[0], parts[2]], tmp.Combine("m1")));
        Assert.Contains("1 of 3 are missing", missing.Message.Replace("partitions ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var twice = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheMerger.MergeAsync([parts[0], parts[1], parts[1]], tmp.Combine("m2")));
        Assert.Contains("twice", twice.Message, StringComparison.Ordinal);

        var foreign = tmp.Combine("foreign");
        var options = CacheTestData.Options(teacher: "other") with { Partition = new ShardPartition(1, 3) };
        await using (var w = await EmbeddingCacheWriter.OpenAsync(foreign, options, Keys))
        {
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        var bad = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheMerger.MergeAsync([parts[0], foreign, parts[2]], tmp.Combine("m3")));
        Assert.Contains("teacher", bad.Message, StringComparison.Ordinal);

        var unfinished = tmp.Combine("unfinished");
        await using (var w = await EmbeddingCacheWriter.OpenAsync(unfinished, CacheTestData.Options() with { Partition = new ShardPartition(1, 3) }, Keys))
            await CacheTestData.FeedAsync(w, Keys, stop: w.PartitionStart + 2);
        var inc = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheMerger.MergeAsync([parts[0], unfinished, parts[2]], tmp.Combine("m4")));
        Assert.Contains("incomplete", inc.Message, StringComparison.Ordinal);

        await EmbeddingCacheMerger.MergeAsync(parts, tmp.Combine("m5"));
        await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheMerger.MergeAsync(parts, tmp.Combine("m5")));
        await EmbeddingCacheMerger.MergeAsync(parts, tmp.Combine("m5"), move: true, force: true);
        Assert.Empty(Directory.GetFiles(parts[0], "part-*.parquet"));
    }

    private static async Task<string[]> WritePartitionsAsync(TempDir tmp, int count)
    {
        var dirs = new string[count];
        for (var k = 0; k < count; k++)
        {
            dirs[k] = tmp.Combine($"part{k}");
            var options = CacheTestData.Options() with { Partition = new ShardPartition(k, count) };
            await using var w = await EmbeddingCacheWriter.OpenAsync(dirs[k], options, Keys);
            Assert.Equal(new ShardPartition(k, count).RangeOf(Keys.Length), (w.PartitionStart, w.PartitionEnd));
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        return dirs;
    }

    private static long TrailingRejectBytes(string dir, CacheIndex index) =>
        new FileInfo(Path.Combine(dir, RejectLog.FileName)).Length - index.Shards[^1].RejectsEndBytes;
}
