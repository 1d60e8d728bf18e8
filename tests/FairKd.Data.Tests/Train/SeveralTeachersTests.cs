using FairKd.Core;
using FairKd.Data.Cache;
using FairKd.Data.Tests.Cache;
using FairKd.Data.Train;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Train;

/// <summary>Caches as several teachers (<c>--kd-weights</c>): the target is the weighted mean of their normalised embeddings.</summary>
public sealed class SeveralTeachersTests
{
    private static readonly string[] Keys = CacheTestData.Keys(20);

    /// <summary>A cache of <paramref name="keys"/> whose targets are <see cref="CacheTestData.Target"/> at 11 p + offset (never NaN).</summary>
    private static async Task<string> Cache(TempDir dir, string name, int offset, string[] keys, string preprocessing = "arcface-112")
    {
        var path = dir.Combine(name);
        await using var w = await EmbeddingCacheWriter.OpenAsync(path, CacheTestData.Options(preprocessing: preprocessing), keys);
        for (var p = 0; p < keys.Length; p++) await w.AddAsync(CacheTestData.Target(keys[p], (11 * p) + offset));
        await w.CompleteAsync();
        return path;
    }

    [Fact]
    public async Task The_target_is_the_weighted_mean_of_the_teachers_for_every_key_flipped_or_not()
    {
        using var dir = new TempDir("teachers");
        var a = await Cache(dir, "a", 1, Keys);
        var b = await Cache(dir, "b", 2, Keys);
        using var mean = new CacheTeacherTargets([a, b], teacherWeights: [3, 1]);
        using var onlyA = new CacheTeacherTargets([a]);
        using var onlyB = new CacheTeacherTargets([b]);
        Assert.Equal([0.75f, 0.25f], mean.Weights!);
        var (m, ta, tb) = (new float[mean.Width], new float[mean.Width], new float[mean.Width]);
        foreach (var key in Keys)
        {
            foreach (var flipped in new[] { false, true })
            {
                mean.Get(key, flipped, m);
                onlyA.Get(key, flipped, ta);
                onlyB.Get(key, flipped, tb);
                Assert.True(ta.Zip(tb).Any(t => Math.Abs(t.First - t.Second) > 1e-3), "the teachers must differ");
                for (var d = 0; d < m.Length; d++) Assert.Equal((0.75f * ta[d]) + (0.25f * tb[d]), m[d], 6);
            }
        }

        // shards (no weights): a key is served by the first cache holding it
        using var shards = new CacheTeacherTargets([a, b]);
        Assert.Null(shards.Weights);
        shards.Get(Keys[3], false, m);
        onlyA.Get(Keys[3], false, ta);
        Assert.Equal(ta, m);
    }

    [Fact]
    public async Task Every_image_must_be_in_every_teachers_cache()
    {
        using var dir = new TempDir("teachers");
        var a = await Cache(dir, "a", 1, Keys);
        var part = await Cache(dir, "part", 2, Keys[..10]);
        using var teachers = new CacheTeacherTargets([a, part], teacherWeights: [1, 1]);
        Assert.True(teachers.Contains(Keys[5]));
        Assert.False(teachers.Contains(Keys[15]));
        using var shards = new CacheTeacherTargets([a, part]);
        Assert.True(shards.Contains(Keys[15]));
    }

    [Theory]
    [InlineData(new[] { 1.0 }, "1 weights for 2 caches")]
    [InlineData(new[] { 1.0, -0.5 }, "must be finite and >= 0")]
    [InlineData(new[] { 0.0, 0.0 }, "at least one weight must be > 0")]
    public async Task Weights_that_do_not_fit_are_refused(double[] weights, string message)
    {
        using var dir = new TempDir("teachers");
        var a = await Cache(dir, "a", 1, Keys);
        var b = await Cache(dir, "b", 2, Keys);
        Assert.Contains(message, Assert.Throws<UsageException>(() => new CacheTeacherTargets([a, b], teacherWeights: weights)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teachers_with_different_preprocessing_are_refused_naming_both()
    {
        using var dir = new TempDir("teachers");
        var a = await Cache(dir, "a", 1, Keys);
        var b = await Cache(dir, "b", 2, Keys, preprocessing: "arcface-112 unaligned=center-crop");
        var e = Assert.Throws<UsageException>(() => new CacheTeacherTargets([a, b], teacherWeights: [1, 1]));
        Assert.Contains("different preprocessing", e.Message, StringComparison.Ordinal);
        Assert.Contains("center-crop", e.Message, StringComparison.Ordinal);
    }
}
