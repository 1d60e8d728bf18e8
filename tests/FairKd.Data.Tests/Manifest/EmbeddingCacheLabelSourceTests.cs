using FairKd.Core;
using FairKd.Data.Manifest;
using FairKd.Data.Tests.Cache;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>The manifest stage reads its labels from a real embedding cache folder.</summary>
public class EmbeddingCacheLabelSourceTests
{
    [Fact]
    public async Task A_cache_folder_is_read_through_the_cache_reader_with_a_content_fingerprint()
    {
        using var dir = new TempDir("labels");
        var keys = CacheTestData.Keys(30);
        var index = await CacheTestData.WriteAllAsync(dir.Path, CacheTestData.Options(), keys);

        var source = LabeledSampleSources.ForCache(dir.Path);
        Assert.IsType<EmbeddingCacheLabelSource>(source);
        var samples = source.Read(dir.Path).ToList();
        Assert.Equal(index.Shards.Sum(s => s.Rows), samples.Count);
        Assert.All(samples, s => Assert.Equal(4, s.Ethnicity.Length));
        Assert.All(samples, s => Assert.Equal(s.Key, s.Dataset + "/" + s.RelativePath));

        var fingerprint = source.Fingerprint(dir.Path);
        Assert.StartsWith("sha256:", fingerprint, StringComparison.Ordinal);
        Assert.Equal(fingerprint, source.Fingerprint(dir.Path));
    }

    [Fact]
    public void A_folder_with_neither_a_cache_nor_labels_csv_is_a_usage_error()
    {
        using var dir = new TempDir("labels");
        var ex = Assert.Throws<UsageException>(() => LabeledSampleSources.ForCache(dir.Path));
        Assert.Contains("_cache.json", ex.Message, StringComparison.Ordinal);
    }
}
