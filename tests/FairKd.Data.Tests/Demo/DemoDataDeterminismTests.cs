using FairKd.Data.Demo;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Demo;

/// <summary>Same seed -> byte-identical trees whatever the worker count; another seed -> other images.</summary>
public class DemoDataDeterminismTests
{
    [Fact]
    public void Same_seed_gives_identical_bytes_with_one_or_several_workers()
    {
        using var dir = new TempDir("demo-det");
        var options = DemoDataOptions.ForScale(DemoScale.Tiny, 11);
        DemoDataGenerator.Generate(dir.Combine("a"), options with { Workers = 1 });
        DemoDataGenerator.Generate(dir.Combine("b"), options with { Workers = 4 });
        var a = TinyDemoFixture.HashTree(dir.Combine("a"));
        var b = TinyDemoFixture.HashTree(dir.Combine("b"));
        Assert.True(a.Count > 250, $"only {a.Count} files");
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, hash) in a) Assert.True(hash == b[path], $"{path} differs between runs");
    }

    [Fact]
    public void Different_seed_gives_different_images()
    {
        using var dir = new TempDir("demo-seed");
        DemoDataGenerator.Generate(dir.Combine("a"), DemoDataOptions.ForScale(DemoScale.Tiny, 1));
        DemoDataGenerator.Generate(dir.Combine("b"), DemoDataOptions.ForScale(DemoScale.Tiny, 2));
        var a = TinyDemoFixture.HashTree(dir.Combine("a"));
        var b = TinyDemoFixture.HashTree(dir.Combine("b"));
        var images = a.Keys.Where(k => k.EndsWith(".jpg", StringComparison.Ordinal) || k.EndsWith(".png", StringComparison.Ordinal)).ToList();
        Assert.Equal(images.Count, images.Count(b.ContainsKey));
        Assert.All(images, k => Assert.NotEqual(a[k], b[k]));
    }

    [Fact]
    public void Derived_seeds_depend_on_every_part()
    {
        var baseSeed = DemoRandom.Derive(1, "real/image", 0, 1, 2);
        Assert.Equal(baseSeed, DemoRandom.Derive(1, "real/image", 0, 1, 2));
        Assert.NotEqual(baseSeed, DemoRandom.Derive(2, "real/image", 0, 1, 2));
        Assert.NotEqual(baseSeed, DemoRandom.Derive(1, "lfw/image", 0, 1, 2));
        Assert.NotEqual(baseSeed, DemoRandom.Derive(1, "real/image", 0, 2, 1));
        Assert.NotEqual(baseSeed, DemoRandom.Derive(1, "real/image", 0, 1, 3));
    }
}
