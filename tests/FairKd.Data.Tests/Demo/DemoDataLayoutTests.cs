using System.Globalization;
using FairKd.Core.Records;
using FairKd.Data.Demo;
using SixLabors.ImageSharp;

namespace FairKd.Data.Tests.Demo;

/// <summary>The documented tree, counts, image sizes, landmark files, groups.csv, README and manifest of the tiny scale.</summary>
public class DemoDataLayoutTests(TinyDemoFixture demo) : IClassFixture<TinyDemoFixture>
{
    private static readonly string[] Groups = [.. EthnicGroups.Order];

    [Fact]
    public void Real_set_has_the_bupt_layout_and_counts()
    {
        var o = demo.Options;
        foreach (var group in Groups)
        {
            var ids = Directory.GetDirectories(demo.Path("real", group));
            Assert.Equal(o.RealIdentitiesPerGroup, ids.Length);
            foreach (var id in ids)
            {
                var name = Path.GetFileName(id);
                var files = Directory.GetFiles(id).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(Enumerable.Range(1, o.RealImagesPerIdentity).Select(k => $"{name}_{k:D4}.jpg"), files);
            }
        }

        Assert.Equal(Groups, Directory.GetDirectories(demo.Path("real")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        AssertSize(Directory.EnumerateFiles(demo.Path("real"), "*.jpg", SearchOption.AllDirectories).First(), 112);
    }

    [Theory]
    [InlineData("synthetic-a", ".jpg")]
    [InlineData("synthetic-b", ".png")]
    public void Synthetic_sets_have_identity_image_layout_and_group_truth(string subset, string extension)
    {
        var o = demo.Options;
        var ids = Directory.GetDirectories(demo.Path(subset)).Select(Path.GetFileName).ToHashSet();
        Assert.Equal(o.SyntheticIdentities, ids.Count);
        foreach (var id in ids)
        {
            var files = Directory.GetFiles(demo.Path(subset, id!));
            Assert.Equal(o.SyntheticImagesPerIdentity, files.Length);
            Assert.All(files, f => Assert.EndsWith(extension, f, StringComparison.Ordinal));
        }

        var rows = File.ReadAllLines(demo.Path(subset, "groups.csv"));
        Assert.Equal("identity,group", rows[0]);
        var truth = rows.Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), truth.Select(t => t[0]).Order(StringComparer.Ordinal));
        Assert.All(truth, t => Assert.Contains(t[1], Groups));
        AssertSize(Directory.GetFiles(demo.Path(subset, ids.First()!))[0], 112);
    }

    [Fact]
    public void Unaligned_images_have_exact_landmarks_inside_the_image()
    {
        var o = demo.Options;
        var rows = ReadLandmarks(demo.Path("unaligned", "landmarks.txt"));
        var images = Directory.EnumerateFiles(demo.Path("unaligned"), "*.jpg", SearchOption.AllDirectories).ToList();
        Assert.Equal(4 * o.UnalignedIdentitiesPerGroup * o.UnalignedImagesPerIdentity, images.Count);
        Assert.Equal(images.Count, rows.Count);
        foreach (var (path, _, points) in rows)
        {
            var file = demo.Path("unaligned", path);
            Assert.True(File.Exists(file), path);
            AssertInside(points, o.UnalignedSize, path);
            AssertSize(file, o.UnalignedSize);
        }

        // The same identities as the real set (its first identities per group).
        Assert.All(rows, r => Assert.True(Directory.Exists(demo.Path("real", Path.GetDirectoryName(r.Path)!)), r.Path));
    }

    [Fact]
    public void Rfw_set_has_landmarks_and_pair_lists_in_ten_folds()
    {
        var o = demo.Options;
        var trainingIds = Directory.EnumerateDirectories(demo.Path("real"), "*", SearchOption.AllDirectories).Select(Path.GetFileName)
            .Concat(Directory.GetDirectories(demo.Path("synthetic-a")).Select(Path.GetFileName))
            .Concat(Directory.GetDirectories(demo.Path("synthetic-b")).Select(Path.GetFileName)).ToHashSet();
        foreach (var race in Groups)
        {
            var data = demo.Path("rfw", "test", "data", race);
            var ids = Directory.GetDirectories(data).Select(Path.GetFileName).ToList();
            Assert.Equal(o.RfwIdentitiesPerGroup, ids.Count);
            Assert.DoesNotContain(ids, trainingIds.Contains);

            var lmk = ReadLandmarks(demo.Path("rfw", "test", "txts", race, $"{race}_lmk.txt"));
            Assert.Equal(o.RfwIdentitiesPerGroup * o.RfwImagesPerIdentity, lmk.Count);
            foreach (var (path, _, points) in lmk)
            {
                Assert.StartsWith(race + "/", path, StringComparison.Ordinal);
                Assert.True(File.Exists(demo.Path("rfw", "test", "data", path)), path);
                AssertInside(points, o.RfwSize, path);
            }

            var lines = File.ReadAllLines(demo.Path("rfw", "test", "txts", race, $"{race}_pairs.txt"));
            AssertPairs(lines, o.RfwPairsPerFold, (id, n) => Path.Combine(data, id, $"{id}_{n:D4}.jpg"));
        }
    }

    [Fact]
    public void Lfw_set_has_pairs_with_header()
    {
        var o = demo.Options;
        var lines = File.ReadAllLines(demo.Path("lfw", "pairs.txt"));
        Assert.Equal($"10\t{o.LfwPairsPerFold}", lines[0]);
        AssertPairs(lines[1..], o.LfwPairsPerFold, (id, n) => demo.Path("lfw", id, $"{id}_{n:D4}.jpg"));
        Assert.Equal(o.LfwIdentities, Directory.GetDirectories(demo.Path("lfw")).Length);
        AssertSize(Directory.EnumerateFiles(demo.Path("lfw"), "*.jpg", SearchOption.AllDirectories).First(), 112);
    }

    [Fact]
    public void Readme_and_manifest_describe_the_tree()
    {
        var readme = File.ReadAllText(demo.Path("README.txt"));
        Assert.Contains("NOT A FACE DATASET", readme, StringComparison.Ordinal);
        Assert.Contains($"4 groups x {demo.Options.RealIdentitiesPerGroup} identities", readme, StringComparison.Ordinal);

        Assert.False(demo.Result.Skipped);
        var manifest = DemoManifest.TryRead(demo.Root);
        Assert.NotNull(manifest);
        Assert.True(manifest.Complete);
        Assert.True(manifest.SameOptions(demo.Options));
        Assert.Equal(DemoLayout.Subsets.Order(StringComparer.Ordinal), manifest.Subsets.Keys.Order(StringComparer.Ordinal));
        foreach (var subset in DemoLayout.Subsets)
            Assert.Equal(manifest.Subsets[subset], DemoManifest.DigestOnDisk(demo.Root, subset));
        Assert.Equal(TinyDemoFixture.HashTree(demo.Root).Count, demo.Result.Files);
        Assert.Equal(demo.Options.TotalImages, demo.Result.Images);
        Assert.Empty(Directory.EnumerateFiles(demo.Root, "*.tmp", SearchOption.AllDirectories));
    }

    private static void AssertPairs(string[] lines, int perFold, Func<string, int, string> imagePath)
    {
        Assert.Equal(DemoDataOptions.Folds * 2 * perFold, lines.Length);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split('\t');
            var genuineExpected = i % (2 * perFold) < perFold;
            Assert.True(distinct.Add(lines[i]), $"duplicate pair line {i + 1}: {lines[i]}");
            if (genuineExpected)
            {
                Assert.True(f.Length == 3, $"line {i + 1} should be a genuine pair: {lines[i]}");
                Assert.NotEqual(f[1], f[2]);
                Assert.True(File.Exists(imagePath(f[0], Int(f[1]))), lines[i]);
                Assert.True(File.Exists(imagePath(f[0], Int(f[2]))), lines[i]);
            }
            else
            {
                Assert.True(f.Length == 4, $"line {i + 1} should be an impostor pair: {lines[i]}");
                Assert.NotEqual(f[0], f[2]);
                Assert.True(File.Exists(imagePath(f[0], Int(f[1]))), lines[i]);
                Assert.True(File.Exists(imagePath(f[2], Int(f[3]))), lines[i]);
            }
        }
    }

    internal static List<(string Path, int Label, float[] Points)> ReadLandmarks(string file) =>
        File.ReadAllLines(file).Select(line =>
        {
            var f = line.Split('\t');
            Assert.Equal(3, f.Length);
            var points = f[2].Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(10, points.Length);
            return (f[0], Int(f[1]), points);
        }).ToList();

    private static void AssertInside(float[] points, int size, string what)
    {
        foreach (var v in points) Assert.True(v >= 0 && v < size, $"{what}: landmark coordinate {v} outside 0..{size}");
    }

    private static void AssertSize(string file, int size)
    {
        var info = Image.Identify(file);
        Assert.Equal(size, info.Width);
        Assert.Equal(size, info.Height);
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
