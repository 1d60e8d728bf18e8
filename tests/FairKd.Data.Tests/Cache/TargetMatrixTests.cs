using System.Text;
using FairKd.Data.Cache;
using FairKd.Data.Train;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Cache;

public class TargetMatrixTests
{
    private static readonly string[] Keys = CacheTestData.Keys(61);

    [Theory]
    [InlineData(EmbeddingEncoding.Float32List, false)]
    [InlineData(EmbeddingEncoding.Float16Blob, false)]
    [InlineData(EmbeddingEncoding.Float16Blob, true)]
    public async Task Targets_are_bit_identical_to_the_parquet_shards_for_every_key_and_view(EmbeddingEncoding encoding, bool inMemory)
    {
        using var tmp = new TempDir("targets");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(rowsPerShard: 9, rowGroupRows: 4, encoding: encoding), Keys);
        Assert.True(File.Exists(tmp.Combine(TargetMatrix.FileName)));
        Assert.True(File.Exists(tmp.Combine(KeyIndex.FileName)));
        using var reader = EmbeddingCacheReader.Open(tmp.Path);
        using var targets = new CacheTeacherTargets([tmp.Path], new TargetMatrixOptions { LoadIntoMemory = inMemory });
        Assert.Equal(inMemory, targets.Matrices[0].InMemory);
        var all = await CacheTestData.ReadAllAsync(tmp.Path);
        Assert.Equal(all.Count, targets.Matrices[0].Rows);
        var (emb, flip, eth, got) = (new float[CacheTestData.Dim], new float[CacheTestData.Dim], new float[4], new float[CacheTestData.Dim]);
        foreach (var t in Enumerable.Reverse(all))
        {
            Assert.True(reader.TryGetTarget(t.Key, emb, flip, eth, out _, out _));
            targets.Get(t.Key, flipped: false, got);
            Assert.Equal(Bits(emb), Bits(got));
            targets.Get(t.Key, flipped: true, got);
            Assert.Equal(Bits(flip), Bits(got));
        }

        Assert.Throws<KeyNotFoundException>(() => targets.Get(Keys[3], false, got)); // rejected upstream: not in the cache
    }

    [Fact]
    public async Task The_matrix_is_an_npy_file_numpy_can_map()
    {
        using var tmp = new TempDir("targets");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(encoding: EmbeddingEncoding.Float16Blob), Keys);
        var index = CacheIndex.TryLoad(tmp.Path)!;
        var bytes = File.ReadAllBytes(tmp.Combine(TargetMatrix.FileName));
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        var headerLength = bytes[8] | (bytes[9] << 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Equal($"{{'descr': '<f2', 'fortran_order': False, 'shape': ({index.RowCount}, 2, {CacheTestData.Dim}), }}", header.TrimEnd(' ', '\n'));
        Assert.Equal(10 + headerLength + (index.RowCount * 2 * CacheTestData.Dim * 2), bytes.Length);
        var first = (await CacheTestData.ReadAllAsync(tmp.Path))[0];
        var half = BitConverter.ToHalf(bytes, 10 + headerLength + (2 * CacheTestData.Dim)); // row 0, view 1 (flipped), element 0
        Assert.Equal((float)(Half)first.FlippedEmbedding[0], (float)half);
    }

    [Fact]
    public async Task Missing_or_stale_sidecars_are_rebuilt_on_first_use_with_the_same_bytes()
    {
        using var tmp = new TempDir("targets");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(encoding: EmbeddingEncoding.Float16Blob), Keys);
        var written = CacheTestData.Files(tmp.Path);
        File.Delete(tmp.Combine(TargetMatrix.FileName));
        File.Delete(tmp.Combine(KeyIndex.FileName));
        var meta = tmp.Combine(TargetMatrix.MetaFileName);
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"content\": \"", "\"content\": \"00", StringComparison.Ordinal));
        using (var targets = new CacheTeacherTargets([tmp.Path]))
            Assert.True(targets.Contains(Keys[0]));
        var rebuilt = CacheTestData.Files(tmp.Path);
        Assert.Equal(written.Keys, rebuilt.Keys);
        foreach (var (name, bytes) in written) Assert.True(bytes.AsSpan().SequenceEqual(rebuilt[name]), $"{name} differs after the rebuild");
    }

    [Fact]
    public async Task A_cache_folder_that_cannot_be_written_gets_its_sidecars_in_a_private_temporary_folder()
    {
        using var tmp = new TempDir("targets");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(), Keys);
        var index = CacheIndex.TryLoad(tmp.Path)!;
        File.Delete(tmp.Combine(TargetMatrix.FileName));
        string? builtIn = null;
        using var matrix = CacheSidecars.OpenOrBuild(tmp.Path, dir => TargetMatrix.TryOpen(dir, index),
            dir =>
            {
                if (dir == tmp.Path) throw new UnauthorizedAccessException("read-only");
                builtIn = dir;
                TargetMatrix.Build(tmp.Path, index, dir);
            }, null, TargetMatrix.FileName);
        Assert.Equal(index.RowCount, matrix.Rows);
        Assert.False(Directory.Exists(builtIn));
        Assert.False(File.Exists(tmp.Combine(TargetMatrix.FileName)));
        var got = new float[CacheTestData.Dim];
        matrix.Copy(index.RowCount - 1, true, got);
        Assert.Equal((await CacheTestData.ReadAllAsync(tmp.Path))[^1].FlippedEmbedding, got);
    }

    [Fact]
    public async Task Merged_caches_carry_the_sidecars_of_their_rows()
    {
        using var tmp = new TempDir("targets");
        var parts = new List<string>();
        for (var k = 0; k < 3; k++)
        {
            var dir = tmp.Combine($"part-{k}");
            await CacheTestData.WriteAllAsync(dir, CacheTestData.Options() with { Partition = new ShardPartition(k, 3) }, Keys);
            parts.Add(dir);
        }

        await EmbeddingCacheMerger.MergeAsync(parts, tmp.Combine("merged"));
        using var targets = new CacheTeacherTargets([tmp.Combine("merged")]);
        var all = await CacheTestData.ReadAllAsync(tmp.Combine("merged"));
        var got = new float[CacheTestData.Dim];
        foreach (var t in all)
        {
            targets.Get(t.Key, false, got);
            Assert.Equal(t.Embedding, got);
        }

        Assert.True(File.Exists(tmp.Combine("merged", KeyIndex.FileName)));
    }

    private static int[] Bits(float[] v) => [.. v.Select(BitConverter.SingleToInt32Bits)];
}
