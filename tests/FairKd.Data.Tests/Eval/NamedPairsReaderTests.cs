using FairKd.Core;
using FairKd.Data.Eval;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Eval;

public class NamedPairsReaderTests
{
    [Fact]
    public void Rfw_rows_become_genuine_and_impostor_pairs_with_padded_numbers()
    {
        using var dir = new TempDir("pairs");
        var file = dir.Combine("African_pairs.txt");
        var lines = new List<string>();
        for (var i = 0; i < 30; i++) lines.Add($"m.0a{i}\t1\t{i + 2}");
        for (var i = 0; i < 30; i++) lines.Add($"m.0a{i}\t1\tm.0b{i}\t12345");
        File.WriteAllLines(file, lines);
        var report = new ReaderReport();
        var pairs = NamedPairsReader.ReadRfw(file, report);
        Assert.Equal(60, pairs.Count);
        Assert.Equal(new VerificationPair("m.0a0/m.0a0_0001.jpg", "m.0a0/m.0a0_0002.jpg", true, 0), pairs[0]);
        Assert.Equal(new VerificationPair("m.0a29/m.0a29_0001.jpg", "m.0b29/m.0b29_12345.jpg", false, 9), pairs[59]);
        Assert.Equal(30, pairs.Count(p => p.Same));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => i / 6), pairs.Select(p => p.Fold));
        Assert.Equal(0, report.MalformedCount);
    }

    [Fact]
    public void Lfw_header_is_checked_and_space_separated_rows_are_read()
    {
        using var dir = new TempDir("pairs");
        var file = dir.Combine("pairs.txt");
        File.WriteAllLines(file, ["2 1", "George_W_Bush   10   24", "A 1 B 2", "C 3 4", "D 1 E 1"]);
        var report = new ReaderReport();
        var pairs = NamedPairsReader.ReadLfw(file, report);
        Assert.Equal(4, pairs.Count);
        Assert.Equal("George_W_Bush/George_W_Bush_0010.jpg", pairs[0].PathA);
        Assert.Equal("George_W_Bush/George_W_Bush_0024.jpg", pairs[0].PathB);
        Assert.Equal([true, false, true, false], pairs.Select(p => p.Same));
        Assert.Equal(0, report.MalformedCount);

        File.WriteAllLines(file, ["10 300", "A 1 2"]);
        NamedPairsReader.ReadLfw(file, report);
        Assert.Contains("header announces 6000 pairs but 1", Assert.Single(report.Malformed).Reason);
    }

    [Fact]
    public void Malformed_rows_are_reported_and_folds_cover_the_rest()
    {
        using var dir = new TempDir("pairs");
        var file = dir.Combine("bad.txt");
        File.WriteAllLines(file,
        [
            "A 1 2",          // 1 ok
            "A 1",            // 2 field count
            "A x 2",          // 3 number
            "A -1 2",         // 4 negative
            "../etc 1 2",     // 5 path in name
            "A 1 A 2",        // 6 impostor naming one person
            "",               // 7 blank
            "B 1 C 2",        // 8 ok
            ".. 1 2",         // 9 dot-only name
        ]);
        var report = new ReaderReport();
        var pairs = NamedPairsReader.ReadRfw(file, report);
        Assert.Equal(2, pairs.Count);
        Assert.Equal([0, 1], pairs.Select(p => p.Fold));
        Assert.Equal([2L, 3, 4, 5, 6, 9], report.Malformed.Select(m => m.Line!.Value));
        Assert.Contains("same person 'A'", report.Malformed[4].Reason);
    }

    [Fact]
    public void Missing_files_and_layout_errors_are_usage_errors()
    {
        using var dir = new TempDir("pairs");
        Assert.Throws<UsageException>(() => NamedPairsReader.ReadLfw(dir.Combine("none.txt"), new ReaderReport()));
        Assert.Throws<UsageException>(() => RfwLayout.For(dir.Path, "Martian"));
        Assert.Throws<UsageException>(() => RfwLayout.Discover(dir.Path));
        var layout = RfwLayout.For(dir.Path, "Indian");
        Assert.Equal(dir.Combine("test", "data", "Indian"), layout.ImageRoot);
        Assert.Equal(dir.Combine("test", "txts", "Indian", "Indian_lmk.txt"), layout.LandmarkFile);
        Directory.CreateDirectory(Path.GetDirectoryName(layout.PairsFile)!);
        File.WriteAllText(layout.PairsFile, "");
        Assert.Equal([layout], RfwLayout.Discover(dir.Path));
    }
}
