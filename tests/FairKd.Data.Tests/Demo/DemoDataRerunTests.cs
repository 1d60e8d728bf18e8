using FairKd.Core;
using FairKd.Data.Demo;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Demo;

/// <summary>Reruns: complete + same options = skip; partial = regenerate; other options or foreign folders = usage error.</summary>
public class DemoDataRerunTests
{
    private static readonly DemoDataOptions Tiny = DemoDataOptions.ForScale(DemoScale.Tiny, 3);

    [Fact]
    public void Same_options_over_a_complete_tree_skip_and_touch_nothing()
    {
        using var dir = new TempDir("demo-rerun");
        var first = DemoDataGenerator.Generate(dir.Path, Tiny);
        var before = TinyDemoFixture.HashTree(dir.Path);
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "demo-data.json"));
        var second = DemoDataGenerator.Generate(dir.Path, Tiny with { Workers = 1 });
        Assert.False(first.Skipped);
        Assert.True(second.Skipped);
        Assert.Equal(0, second.Images);
        Assert.Equal(before, TinyDemoFixture.HashTree(dir.Path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir.Path, "demo-data.json")));
    }

    [Fact]
    public void A_damaged_tree_with_the_same_options_is_regenerated()
    {
        using var dir = new TempDir("demo-partial");
        DemoDataGenerator.Generate(dir.Path, Tiny);
        var before = TinyDemoFixture.HashTree(dir.Path);
        var victim = Directory.EnumerateFiles(Path.Combine(dir.Path, "real"), "*.jpg", SearchOption.AllDirectories).First();
        File.Delete(victim);
        File.WriteAllText(Path.Combine(dir.Path, "lfw", "stray.tmp"), "half a file");
        var again = DemoDataGenerator.Generate(dir.Path, Tiny);
        Assert.False(again.Skipped);
        Assert.Equal(before, TinyDemoFixture.HashTree(dir.Path));
    }

    [Fact]
    public void Different_options_into_a_generated_folder_are_a_usage_error()
    {
        using var dir = new TempDir("demo-other");
        DemoDataGenerator.Generate(dir.Path, Tiny);
        var ex = Assert.Throws<UsageException>(() => DemoDataGenerator.Generate(dir.Path, Tiny with { Seed = 4 }));
        Assert.Contains("other options", ex.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => DemoDataGenerator.Generate(dir.Path, DemoDataOptions.ForScale(DemoScale.Small, 3)));
    }

    [Fact]
    public void A_non_empty_folder_that_is_not_demo_data_is_refused_and_left_alone()
    {
        using var dir = new TempDir("demo-foreign");
        var precious = Path.Combine(dir.Path, "notes.txt");
        File.WriteAllText(precious, "mine");
        Assert.Throws<UsageException>(() => DemoDataGenerator.Generate(dir.Path, Tiny));
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("tiny", DemoScale.Tiny)]
    [InlineData("Small", DemoScale.Small)]
    public void Scale_names_parse(string text, DemoScale expected) => Assert.Equal(expected, DemoDataOptions.ParseScale(text));

    [Fact]
    public void Bad_scales_and_impossible_counts_are_usage_errors()
    {
        Assert.Throws<UsageException>(() => DemoDataOptions.ParseScale("huge"));
        Assert.Throws<UsageException>(() => (Tiny with { RfwImagesPerIdentity = 1 }).Validate());
        Assert.Throws<UsageException>(() => (Tiny with { LfwPairsPerFold = 50 }).Validate());
        Assert.Throws<UsageException>(() => (Tiny with { UnalignedIdentitiesPerGroup = 9 }).Validate());
        Assert.Throws<UsageException>(() => (Tiny with { RealImagesPerIdentity = 0 }).Validate());
        DemoDataOptions.ForScale(DemoScale.Small, 1).Validate();
        Tiny.Validate();
    }
}
