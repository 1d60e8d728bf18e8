using FairKd.Core;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;
using Parquet;

namespace FairKd.Data.Tests.Cache;

public class EmbeddingCacheReaderTests
{
    private static readonly string[] Keys = CacheTestData.Keys(41);

    [Fact]
    public async Task Lookup_uses_the_sidecar_and_targets_come_from_cached_row_groups()
    {
        using var tmp = new TempDir("cache");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(rowsPerShard: 8, rowGroupRows: 3), Keys);
        using var r = EmbeddingCacheReader.Open(tmp.Path, new EmbeddingCacheReaderOptions { CachedRowGroups = 2 });

        Assert.True(r.TryLookup(Keys[0], out var loc0));
        Assert.Equal(new CacheLocation(0, 0), loc0);
        Assert.True(r.LookupFromSidecar);
        var all = await CacheTestData.ReadAllAsync(tmp.Path);
        Assert.True(r.TryLookup(all[8].Key, out var loc8));
        Assert.Equal(new CacheLocation(1, 0), loc8);
        Assert.True(r.TryLookup(all[^1].Key, out var last));
        Assert.Equal(new CacheLocation((all.Count - 1) / 8, (all.Count - 1) % 8), last);
        Assert.False(r.TryLookup(Keys[3], out _)); // rejected upstream
        Assert.False(r.TryLookup("nope/x", out _));
        Assert.Null(r.Lookup("nope/x"));
        Assert.Equal(loc8, r.Lookup(all[8].Key));

        var emb = new float[CacheTestData.Dim];
        var flip = new float[CacheTestData.Dim];
        var eth = new float[4];
        foreach (var t in Enumerable.Reverse(all))
        {
            Assert.True(r.TryGetTarget(t.Key, emb, flip, eth, out var norm, out var fnorm));
            Assert.Equal(t.Embedding, emb);
            Assert.Equal(t.FlippedEmbedding, flip);
            Assert.Equal(t.Ethnicity, eth);
            Assert.Equal((t.Norm, t.FlippedNorm), (norm, fnorm));
        }

        var some = r.ReadTargets([all[4].Key, "missing/k", all[1].Key]).ToList();
        Assert.Equal([all[4].Key, all[1].Key], some.Select(t => t.Key));
        Assert.Equal(all[4].Identity, some[0].Identity);
    }

    [Fact]
    public async Task A_missing_or_stale_sidecar_is_rebuilt_from_the_key_columns()
    {
        using var tmp = new TempDir("cache");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(), Keys);
        var indexBytes = File.ReadAllBytes(tmp.Combine(KeyIndex.FileName));
        using (var r = EmbeddingCacheReader.Open(tmp.Path))
        {
            Assert.True(r.TryLookup(Keys[0], out _));
            Assert.True(r.LookupFromSidecar); // _keys.idx as written by the cache writer
        }

        File.Delete(tmp.Combine(KeySidecar.FileName));
        File.Delete(tmp.Combine(KeyIndex.FileName));
        using (var r = EmbeddingCacheReader.Open(tmp.Path))
        {
            Assert.True(r.TryLookup(Keys[0], out _));
            Assert.False(r.LookupFromSidecar);
        }

        Assert.Equal(indexBytes, File.ReadAllBytes(tmp.Combine(KeyIndex.FileName))); // rebuilt on first use, same bytes
        KeySidecar.Write(tmp.Path, [], []);
        File.WriteAllBytes(tmp.Combine(KeyIndex.FileName), indexBytes[..^8]); // cut: stale
        using (var r = EmbeddingCacheReader.Open(tmp.Path))
        {
            Assert.True(r.TryLookup(Keys[40], out _));
            Assert.False(r.LookupFromSidecar);
        }
    }

    [Fact]
    public async Task ReadLabels_reads_label_columns_only()
    {
        using var tmp = new TempDir("cache");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(rowsPerShard: 100, rowGroupRows: 100), Keys);
        using var r = EmbeddingCacheReader.Open(tmp.Path);
        var expected = await CacheTestData.ReadAllAsync(tmp.Path);

        // Destroy the page headers of both embedding columns: any read of them now fails.
        var shard = tmp.Combine("part-00000.parquet");
        long[] offsets;
        await using (var pr = await ParquetReader.CreateAsync(shard))
        {
            var fields = pr.Schema.GetDataFields();
            offsets = [.. fields.Where(f => f.Path.ToString()!.Contains("embedding", StringComparison.Ordinal))
                .Select(f => pr.RowGroups[0].GetMetadata(f)!.MetaData!.DataPageOffset)];
        }

        Assert.Equal(2, offsets.Length);
        await using (var fs = new FileStream(shard, FileMode.Open, FileAccess.Write))
        {
            foreach (var o in offsets)
            {
                fs.Position = o;
                fs.Write(Enumerable.Repeat((byte)0xFF, 16).ToArray());
            }
        }

        var labels = await r.ReadLabelsAsync();
        Assert.Equal(expected.Select(t => t.Key), labels.Select(l => l.Key));
        var p = Array.IndexOf(Keys, labels[0].Key);
        Assert.Equal(labels[0].Key["bupt/".Length..], labels[0].RelativePath);
        Assert.Equal("bupt", labels[0].Dataset);
        Assert.Equal(expected[0].Identity, labels[0].Identity);
        Assert.Equal(expected[0].Group, labels[0].FolderGroup);
        Assert.Equal(expected[0].Ethnicity, labels[0].Ethnicity);
        Assert.Equal(CacheTestData.Sha(p), labels[0].Sha256);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var _ in r.StreamShardsAsync()) { }
        });
    }

    [Fact]
    public async Task Verify_detects_a_modified_shard_and_Open_refuses_incomplete_or_missing()
    {
        using var tmp = new TempDir("cache");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(), Keys);
        using (var r = EmbeddingCacheReader.Open(tmp.Path)) Assert.Empty(await r.VerifyAsync());

        var shard = tmp.Combine("part-00001.parquet");
        var bytes = File.ReadAllBytes(shard);
        bytes[10] ^= 0x55;
        File.WriteAllBytes(shard, bytes);
        using (var r = EmbeddingCacheReader.Open(tmp.Path))
        {
            var problems = await r.VerifyAsync();
            Assert.Single(problems);
            Assert.Contains("part-00001.parquet", problems[0], StringComparison.Ordinal);
        }

        File.Delete(shard);
        Assert.Throws<InvalidDataException>(() => EmbeddingCacheReader.Open(tmp.Path));
        Assert.Throws<UsageException>(() => EmbeddingCacheReader.Open(tmp.Combine("nothing-here")));

        using var partial = new TempDir("cache");
        await using (var w = await EmbeddingCacheWriter.OpenAsync(partial.Path, CacheTestData.Options(), Keys))
            await CacheTestData.FeedAsync(w, Keys, stop: 20);
        var ex = Assert.Throws<UsageException>(() => EmbeddingCacheReader.Open(partial.Path));
        Assert.Contains("incomplete", ex.Message, StringComparison.Ordinal);
        using var allowed = EmbeddingCacheReader.Open(partial.Path, new EmbeddingCacheReaderOptions { AllowIncomplete = true });
        Assert.Equal(allowed.Index.Shards.Sum(s => s.Rows), allowed.Count);
    }
}
