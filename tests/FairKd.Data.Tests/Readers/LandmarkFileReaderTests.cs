using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

public class LandmarkFileReaderTests
{
    private const string Ten = "1 2 3 4 5 6 7 8 9 10";

    [Fact]
    public void Reads_rfw_tab_lines_space_lines_and_lines_without_label()
    {
        using var dir = new TempDir("lmk");
        var file = dir.Combine("African_lmk.txt");
        File.WriteAllLines(file,
        [
            "./test/data/African/m.0c/m.0c_0001.jpg\tAfrican\t" + Ten.Replace(' ', '\t'),
            "./test/data/African/m.0c/m.0c_0002.jpg 0 1.5 2.5 3 4 5 6 7 8 9 10",
            "other/id/x.jpg " + Ten,
            "dir with space/id/y.jpg\tlabel\t" + Ten,
        ]);
        var report = new ReaderReport();
        var table = LandmarkFileReader.Read(file, report);
        Assert.Equal(4, table.Count);
        Assert.Equal(0, report.MalformedCount);
        Assert.Equal(LandmarkMatch.Found, table.Find("m.0c/m.0c_0001.jpg", out var a));
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8, 9, 10], a!.Coordinates.ToArray());
        Assert.Equal(LandmarkMatch.Found, table.Find("African/m.0c/m.0c_0002.jpg", out var b));
        Assert.Equal(1.5f, b!.X(0));
        Assert.Equal(2.5f, b.Y(0));
        Assert.Equal(LandmarkMatch.Found, table.Find("test/data/African/m.0c/m.0c_0001.jpg", out _));
        Assert.Equal(LandmarkMatch.Found, table.Find("other/id/x.jpg", out _));
        Assert.Equal(LandmarkMatch.Found, table.Find("id/y.jpg", out _));
        Assert.Equal(LandmarkMatch.Missing, table.Find("0c/m.0c_0001.jpg", out _)); // suffix must end on a folder boundary
        Assert.Equal(LandmarkMatch.Missing, table.Find("m.0c/m.0c_0009.jpg", out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Ambiguous_suffixes_are_not_guessed_but_exact_paths_win()
    {
        using var dir = new TempDir("lmk");
        var file = dir.Combine("l.txt");
        File.WriteAllLines(file, ["a/id/x.jpg " + Ten, "b/id/x.jpg " + Ten, "id/z.jpg " + Ten, "c/id/z.jpg " + Ten]);
        var table = LandmarkFileReader.Read(file, new ReaderReport());
        Assert.Equal(LandmarkMatch.Ambiguous, table.Find("id/x.jpg", out _));
        Assert.Equal(LandmarkMatch.Found, table.Find("b/id/x.jpg", out _));
        Assert.Equal(LandmarkMatch.Found, table.Find("id/z.jpg", out _));
    }

    [Fact]
    public void Malformed_lines_are_reported_with_their_line_number()
    {
        using var dir = new TempDir("lmk");
        var file = dir.Combine("bad.txt");
        File.WriteAllLines(file,
        [
            "ok/a.jpg " + Ten,                          // 1
            "short/a.jpg 1 2 3",                        // 2 wrong count
            "nan/a.jpg 1 2 3 4 5 6 7 8 9 NaN",          // 3 NaN
            "word/a.jpg L 1 2 3 4 5 6 7 x 9 10",        // 4 non-numeric
            "# comment",                                // 5
            "./ok/a.jpg " + Ten,                        // 6 duplicate of 1 after normalising
            "inf/a.jpg 1 2 3 4 5 6 7 8 9 1e40",         // 7 overflows to infinity
            "many/a.jpg a b 1 2 3 4 5 6 7 8 9 10",      // 8 too many fields
        ]);
        var report = new ReaderReport();
        var table = LandmarkFileReader.Read(file, report);
        Assert.Equal(1, table.Count);
        Assert.Equal([2L, 3, 4, 6, 7, 8], report.Malformed.Select(m => m.Line!.Value));
        Assert.Contains("found 3 fields", report.Malformed[0].Reason);
        Assert.Contains("not a finite number", report.Malformed[1].Reason);
        Assert.Contains("'x' is not a number", report.Malformed[2].Reason);
        Assert.Contains("first at line 1", report.Malformed[3].Reason);
    }

    [Fact]
    public void A_missing_file_is_a_usage_error()
    {
        using var dir = new TempDir("lmk");
        var ex = Assert.Throws<UsageException>(() => LandmarkFileReader.Read(dir.Combine("none.txt"), new ReaderReport()));
        Assert.Contains("none.txt", ex.Message);
    }

    [Fact]
    public void Normalise_uses_forward_slashes_without_leading_dots()
    {
        Assert.Equal("a/b/c.jpg", LandmarkTable.Normalise(@".\a\b//./c.jpg"));
        Assert.Equal("x.jpg", LandmarkTable.Normalise("/x.jpg"));
        Assert.True(LandmarkFileReader.TryParse("p.jpg " + Ten, out var path, out FaceLandmarks? lm, out _));
        Assert.Equal("p.jpg", path);
        Assert.Equal(10f, lm!.Y(4));
    }
}
