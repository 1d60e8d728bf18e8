using FairKd.Core;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Tests.Shared;
using Parquet;

namespace FairKd.Data.Tests.Cache;

/// <summary>The preprocessing record in the cache metadata (<c>imaging</c>): written, read back, and optional for caches
/// written before it existed.</summary>
public class CacheImagingRecordTests
{
    private static readonly string[] Keys = CacheTestData.Keys(53);

    private static PreprocessingRecord Record(string sha = "5a5a5a5a5a5a5a5a5a5a", UnalignedPolicy policy = UnalignedPolicy.Reject) =>
        PreprocessingRecord.For(ImagingOptions.Default with { Unaligned = policy }, [new LandmarkSource("bupt", "/data/bupt/landmarks.txt", sha)]);

    private static EmbeddingCacheOptions Options(PreprocessingRecord? record, string fingerprint = "fp-1")
    {
        var describe = (record ?? Record()).Describe();
        var o = CacheTestData.Options(preprocessing: describe, fingerprint: fingerprint);
        return o with { Metadata = o.Metadata with { Imaging = record } };
    }

    [Fact]
    public async Task The_record_is_in_the_index_and_every_shard_and_reads_back_equal()
    {
        using var tmp = new TempDir("cache-imaging");
        var record = Record();
        Assert.Equal("arcface-112 (x-127.5)/127.5 rgb, unaligned=reject", record.Describe()); // the string caches always held
        await CacheTestData.WriteAllAsync(tmp.Path, Options(record), Keys);

        var json = File.ReadAllText(tmp.Combine(CacheIndex.FileName));
        Assert.Contains("\"imaging\": {", json, StringComparison.Ordinal);
        Assert.Contains("\"sha256\": \"5a5a5a5a5a5a5a5a5a5a\"", json, StringComparison.Ordinal);
        using var reader = EmbeddingCacheReader.Open(tmp.Path);
        Assert.Equal(record, reader.Metadata.Imaging);
        Assert.Equal(record, reader.Metadata.RecordedPreprocessing());
        Assert.Equal("/data/bupt/landmarks.txt", reader.Metadata.Imaging!.LandmarksOf("bupt")!.File);
        Assert.Empty(await reader.VerifyAsync());
        foreach (var s in reader.Index.Shards)
        {
            await using var p = await ParquetReader.CreateAsync(tmp.Combine(s.File));
            Assert.Equal("version=1; template=arcface; size=112; normalisation=(x-127.5)/127.5; channels=rgb chw; unaligned=reject; landmarks.bupt=5a5a5a5a5a5a5a5a5a5a",
                p.CustomMetadata["fairkd.imaging"]);
        }
    }

    [Fact]
    public async Task A_cache_written_before_the_record_reads_and_resumes_as_it_was()
    {
        using var legacy = new TempDir("cache-legacy");
        using var resumed = new TempDir("cache-resumed");
        var old = Options(null);
        await CacheTestData.WriteAllAsync(legacy.Path, old, Keys);
        Assert.DoesNotContain("imaging", File.ReadAllText(legacy.Combine(CacheIndex.FileName)), StringComparison.Ordinal);

        // an older FairKd wrote part of the cache; this one (which records the imaging) resumes it
        await using (var w = await EmbeddingCacheWriter.OpenAsync(resumed.Path, old, Keys)) await CacheTestData.FeedAsync(w, Keys, stop: 26);
        await using (var w = await EmbeddingCacheWriter.OpenAsync(resumed.Path, Options(Record()), Keys))
        {
            Assert.True(w.ResumePosition > 0);
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        CacheTestData.AssertSameFiles(legacy.Path, resumed.Path);
        using var reader = EmbeddingCacheReader.Open(resumed.Path);
        Assert.Null(reader.Metadata.Imaging);
        Assert.Empty(await reader.VerifyAsync());
        var recovered = reader.Metadata.RecordedPreprocessing()!;
        Assert.True(recovered.IsLegacy);
        Assert.Equal(112, recovered.Size);
        Assert.Equal(UnalignedPolicy.Reject, recovered.ToImagingOptions("cache").Unaligned);
        Assert.Equal(UnalignedPolicy.CenterCrop, PreprocessingRecord.FromLegacy("arcface-112 (x-127.5)/127.5 rgb, unaligned=centercrop")!.ToImagingOptions("cache").Unaligned);
        Assert.Null(PreprocessingRecord.FromLegacy("arcface-112"));
    }

    [Fact]
    public async Task Another_landmark_file_or_policy_is_refused_on_resume_naming_the_record()
    {
        using var tmp = new TempDir("cache-imaging-changed");
        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, Options(Record()), Keys)) await CacheTestData.FeedAsync(w, Keys, stop: 20);
        var ex = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheWriter.OpenAsync(tmp.Path, Options(Record(sha: "7b7b7b7b7b7b")), Keys));
        Assert.Contains("imaging record", ex.Message, StringComparison.Ordinal);
        Assert.Contains("landmarks.bupt=5a5a5a5a5a5a5a5a5a5a", ex.Message, StringComparison.Ordinal);
        Assert.Contains("landmarks.bupt=7b7b7b7b7b7b", ex.Message, StringComparison.Ordinal);

        // the metadata refuses a record its preprocessing string does not describe
        var bad = Options(Record(policy: UnalignedPolicy.CenterCrop));
        bad = bad with { Metadata = bad.Metadata with { Preprocessing = Record().Describe() } };
        var mismatch = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheWriter.OpenAsync(tmp.Path, bad, Keys));
        Assert.Contains("does not describe the imaging record", mismatch.Message, StringComparison.Ordinal);
    }
}
