using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

public class PathListReaderTests
{
    [Fact]
    public void Relative_and_absolute_paths_under_a_root_give_keys_identities_and_groups()
    {
        using var dir = new TempDir("list");
        var list = dir.Combine("list.txt");
        var root = dir.Combine("data");
        Directory.CreateDirectory(root);
        File.WriteAllLines(list,
        [
            "# the study's sample list",
            "",
            $"  {root}/African/m.01/0001.jpg  ",
            "Asian/m.02/1.png",
            "synthetic/7/3.jpg",
            "x/African/5.jpg",
        ]);
        var report = new ReaderReport();
        var samples = new PathListReader("lst", list, report, root).Enumerate().ToList();
        Assert.Equal(["lst/African/m.01/0001.jpg", "lst/Asian/m.02/1.png", "lst/synthetic/7/3.jpg", "lst/x/African/5.jpg"],
            samples.Select(s => s.Key));
        Assert.Equal(["lst/African/m.01", "lst/Asian/m.02", "lst/7", "lst/African"], samples.Select(s => s.Identity));
        Assert.Equal(["African", "Asian", null, null], samples.Select(s => s.Group));
        Assert.Equal(new FileSource(Path.Combine(root, "Asian", "m.02", "1.png")), samples[1].Source);
        Assert.Equal(0, report.MalformedCount);
    }

    [Fact]
    public void Without_a_root_relative_paths_use_the_list_folder_and_absolute_paths_keep_their_full_path()
    {
        using var dir = new TempDir("list");
        var list = dir.Combine("list.txt");
        File.WriteAllLines(list, ["id/a.jpg", "/srv/faces/id9/b.jpg"]);
        var samples = new PathListReader("l", list, new ReaderReport()).Enumerate().ToList();
        Assert.Equal(new FileSource(dir.Combine("id", "a.jpg")), samples[0].Source);
        Assert.Equal("l/id/a.jpg", samples[0].Key);
        Assert.Equal("l/srv/faces/id9/b.jpg", samples[1].Key);
        Assert.Equal("l/id9", samples[1].Identity);
    }

    [Fact]
    public void Malformed_lines_are_reported_with_their_line_number()
    {
        using var dir = new TempDir("list");
        var list = dir.Combine("list.txt");
        File.WriteAllLines(list,
        [
            "a/1.jpg",        // 1 ok
            "../escape/1.jpg", // 2 outside
            "/etc/x/1.jpg",   // 3 outside the root
            "loose.jpg",      // 4 no parent folder
            "a/notes.txt",    // 5 not an image
            "a/2.jpg\t7",     // 6 columns
            "a/./1.jpg",      // 7 duplicate of 1
            "a/b\u0001.jpg",  // 8 control char
            "   ",            // 9 blank: skipped silently
            "a/3.jpg",        // 10 ok
        ]);
        var report = new ReaderReport();
        var keys = new PathListReader("l", list, report, dir.Path).Enumerate().Select(s => s.Key).ToList();
        Assert.Equal(["l/a/1.jpg", "l/a/3.jpg"], keys);
        Assert.Equal([2L, 3, 4, 5, 6, 7, 8], report.Malformed.Select(m => m.Line!.Value));
        Assert.Contains("outside the root", report.Malformed[0].Reason);
        Assert.Contains("duplicate of line 1", report.Malformed[5].Reason);
        Assert.All(report.Malformed, m => Assert.Equal(list, m.Source));
    }

    [Fact]
    public void Missing_list_or_root_is_a_usage_error()
    {
        using var dir = new TempDir("list");
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() => new PathListReader("l", dir.Combine("none.txt"), new ReaderReport())).Message);
        File.WriteAllText(dir.Combine("l.txt"), "");
        Assert.Throws<UsageException>(() => new PathListReader("l", dir.Combine("l.txt"), new ReaderReport(), dir.Combine("nope")));
        Assert.Throws<UsageException>(() => new PathListReader("Bad Name", dir.Combine("l.txt"), new ReaderReport()));
    }
}
