using FairKd.Core.Records;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

public class ImageFolderReaderTests
{
    private static void Touch(string root, string rel)
    {
        var path = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [1]);
    }

    private static (List<SampleRef> Samples, ReaderReport Report) Read(string root, DatasetLayout layout, string name = "ds")
    {
        var report = new ReaderReport();
        var samples = new ImageFolderReader(new DatasetSpec(name, root, layout), report).Enumerate().ToList();
        return (samples, report);
    }

    [Fact]
    public void Group_layout_yields_dataset_qualified_identities_and_groups()
    {
        using var dir = new TempDir("folder");
        foreach (var rel in new[] { "Asian/m.02/b.png", "African/m.01/2.jpg", "African/m.01/1.JPG", "Indian/x/a.webp", "Caucasian/c/z.bmp" })
            Touch(dir.Path, rel);
        var (samples, report) = Read(dir.Path, DatasetLayout.GroupIdentityImage, "bupt");
        Assert.Equal(
            ["bupt/African/m.01/1.JPG", "bupt/African/m.01/2.jpg", "bupt/Asian/m.02/b.png", "bupt/Caucasian/c/z.bmp", "bupt/Indian/x/a.webp"],
            samples.Select(s => s.Key));
        var first = samples[0];
        Assert.Equal(new SampleRef("bupt/African/m.01/1.JPG", "bupt", "bupt/African/m.01", "African", "African/m.01/1.JPG",
            new FileSource(Path.Combine(dir.Path, "African", "m.01", "1.JPG"))), first);
        Assert.Equal(0, report.TotalSkipped + report.MalformedCount);
    }

    [Fact]
    public void Flat_layout_lists_every_image_at_any_depth_unlabelled_in_a_fixed_order()
    {
        using var dir = new TempDir("flat");
        foreach (var rel in new[] { "b.png", "a.jpg", "z/deep/c.png", "m/d.webp", "m/notes.txt", ".hidden.png" })
            Touch(dir.Path, rel);
        var (samples, report) = Read(dir.Path, DatasetLayout.Flat, "faces");
        Assert.Equal(["faces/a.jpg", "faces/b.png", "faces/m/d.webp", "faces/z/deep/c.png"], samples.Select(s => s.Key));
        Assert.All(samples, s => Assert.Equal("", s.Identity));
        Assert.All(samples, s => Assert.Null(s.Group));
        Assert.Equal("z/deep/c.png", samples[3].RelativePath);
        Assert.Equal(1, report.SkippedCount(SkipReasons.NonImageExtension));
        Assert.Equal(1, report.SkippedCount(SkipReasons.HiddenFile));
        Assert.True(DatasetLayouts.TryParse("flat", out var layout) && layout == DatasetLayout.Flat);
        Assert.Equal("flat", DatasetLayout.Flat.Name());
    }

    [Fact]
    public void Identity_layout_has_no_group()
    {
        using var dir = new TempDir("folder");
        Touch(dir.Path, "123/0.png");
        Touch(dir.Path, "123/1.jpeg");
        Touch(dir.Path, "7/0.jpg");
        var (samples, _) = Read(dir.Path, DatasetLayout.IdentityImage, "dcface");
        Assert.Equal(["dcface/123/0.png", "dcface/123/1.jpeg", "dcface/7/0.jpg"], samples.Select(s => s.Key));
        Assert.Equal(["dcface/123", "dcface/123", "dcface/7"], samples.Select(s => s.Identity));
        Assert.All(samples, s => Assert.Null(s.Group));
        Assert.Equal("123/1.jpeg", samples[1].RelativePath);
    }

    [Fact]
    public void Order_is_ordinal_whatever_the_creation_order()
    {
        string[] rels = ["b/1.jpg", "B/2.jpg", "a/10.jpg", "a/9.jpg", "a/_x.png", "Z/a.jpg", "é/1.jpg", "a/A.jpg"];
        List<string>? previous = null;
        for (var seed = 0; seed < 4; seed++)
        {
            using var dir = new TempDir("order");
            foreach (var rel in rels.OrderBy(_ => Random.Shared.Next()).ToArray()) Touch(dir.Path, rel);
            var keys = Read(dir.Path, DatasetLayout.IdentityImage).Samples.Select(s => s.RelativePath).ToList();
            Assert.Equal(rels.Order(StringComparer.Ordinal), keys);
            if (previous is not null) Assert.Equal(previous, keys);
            previous = keys;
        }
    }

    [Fact]
    public void Hidden_odd_and_misplaced_entries_are_counted_not_errors()
    {
        using var dir = new TempDir("odd");
        Touch(dir.Path, "African/id1/ok.jpg");
        Touch(dir.Path, "African/id1/.hidden.jpg");
        Touch(dir.Path, "African/id1/notes.txt");
        Touch(dir.Path, "African/id1/noext");
        Touch(dir.Path, "African/id1/sub/deep.jpg");
        Touch(dir.Path, "African/empty/.DS_Store");
        Directory.CreateDirectory(dir.Combine("Asian", "nothing"));
        Touch(dir.Path, "African/.git/x.jpg");
        Touch(dir.Path, "African/stray.jpg");
        Touch(dir.Path, "README.md");
        Touch(dir.Path, "Other/id/x.jpg");
        var (samples, report) = Read(dir.Path, DatasetLayout.GroupIdentityImage);
        Assert.Equal(["ds/African/id1/ok.jpg"], samples.Select(s => s.Key));
        Assert.Equal(2, report.SkippedCount(SkipReasons.HiddenFile));
        Assert.Equal(1, report.SkippedCount(SkipReasons.HiddenFolder));
        Assert.Equal(2, report.SkippedCount(SkipReasons.NonImageExtension));
        Assert.Equal(1, report.SkippedCount(SkipReasons.UnexpectedSubfolder));
        Assert.Equal(2, report.SkippedCount(SkipReasons.EmptyIdentityFolder));
        Assert.Equal(2, report.SkippedCount(SkipReasons.FileOutsideIdentityFolder));
        Assert.Equal(1, report.SkippedCount(SkipReasons.UnknownGroupFolder));
        Assert.Equal(["ds/Other"], report.Examples(SkipReasons.UnknownGroupFolder));
        Assert.Equal(["ds/African/empty", "ds/Asian/nothing"], report.Examples(SkipReasons.EmptyIdentityFolder));
        Assert.Equal(0, report.MalformedCount);
    }

    [Fact]
    public void Symlinks_are_followed_only_inside_the_root()
    {
        using var dir = new TempDir("links");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        Touch(dir.Path, "outside/secret.jpg");
        Touch(dir.Path, "outside/id/x.jpg");
        Touch(root, "id1/a.jpg");
        File.CreateSymbolicLink(Path.Combine(root, "id1", "escape.jpg"), dir.Combine("outside", "secret.jpg"));
        File.CreateSymbolicLink(Path.Combine(root, "id1", "inside.jpg"), Path.Combine("..", "id1", "a.jpg"));
        File.CreateSymbolicLink(Path.Combine(root, "id1", "broken.jpg"), dir.Combine("missing.jpg"));
        Directory.CreateSymbolicLink(Path.Combine(root, "id2"), dir.Combine("outside", "id"));
        Directory.CreateSymbolicLink(Path.Combine(root, "id3"), Path.Combine(root, "id1"));
        var (samples, report) = Read(root, DatasetLayout.IdentityImage);
        Assert.Equal(["ds/id1/a.jpg", "ds/id1/inside.jpg", "ds/id3/a.jpg", "ds/id3/inside.jpg"], samples.Select(s => s.Key));
        Assert.Equal(3, report.SkippedCount(SkipReasons.SymlinkOutsideRoot)); // escape.jpg, id2, id3/escape.jpg
        Assert.Equal(2, report.SkippedCount(SkipReasons.BrokenSymlink));
        Assert.Contains("ds/id2", report.Examples(SkipReasons.SymlinkOutsideRoot));
    }

    [Fact]
    public void Enumeration_observes_cancellation()
    {
        using var dir = new TempDir("cancel");
        Touch(dir.Path, "a/1.jpg");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var reader = new ImageFolderReader(new DatasetSpec("ds", dir.Path, DatasetLayout.IdentityImage), new ReaderReport());
        Assert.Throws<OperationCanceledException>(() => reader.Enumerate(cts.Token).ToList());
    }
}
