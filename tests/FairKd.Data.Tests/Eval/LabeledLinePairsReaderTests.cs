using FairKd.Core;
using FairKd.Data.Eval;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Eval;

public class LabeledLinePairsReaderTests
{
    [Fact]
    public void Consecutive_lines_form_pairs_same_when_labels_are_equal_and_non_zero()
    {
        using var dir = new TempDir("cplfw");
        var file = dir.Combine("pairs_CPLFW.txt");
        File.WriteAllLines(file,
        [
            "Abel_Pacheco_1.jpg 1", "Abel_Pacheco_4.jpg 1",
            "# comment", "",
            "A_1.jpg 0", "B_2.jpg 0",
            "sub\\C_1.jpg 3", "sub/C_2.jpg 3",
            "D_1.jpg 4", "E_1.jpg 5",
        ]);
        var report = new ReaderReport();
        var pairs = LabeledLinePairsReader.Read(file, report);
        Assert.Equal(
        [
            new VerificationPair("Abel_Pacheco_1.jpg", "Abel_Pacheco_4.jpg", true, 0),
            new VerificationPair("A_1.jpg", "B_2.jpg", false, 1),
            new VerificationPair("sub/C_1.jpg", "sub/C_2.jpg", true, 2),
            new VerificationPair("D_1.jpg", "E_1.jpg", false, 3),
        ], pairs);
        Assert.Equal(0, report.MalformedCount);
    }

    [Fact]
    public void Malformed_lines_drop_their_pair_and_are_reported()
    {
        using var dir = new TempDir("cplfw");
        var file = dir.Combine("pairs.txt");
        File.WriteAllLines(file,
        [
            "a.jpg 1", "b.jpg x",     // 1-2: bad label, partner reported
            "c.jpg 1", "d.jpg 0",     // 3-4: flags disagree
            "../e.jpg 1", "f.jpg 1",  // 5-6: path escapes
            "g.jpg 1", "h.jpg 1",     // 7-8: ok
            "i.jpg",                  // 9: unpaired and malformed
        ]);
        var report = new ReaderReport();
        var pairs = LabeledLinePairsReader.Read(file, report);
        Assert.Equal([new VerificationPair("g.jpg", "h.jpg", true, 0)], pairs);
        Assert.Equal([1L, 2, 4, 5, 6, 9], report.Malformed.Select(m => m.Line!.Value));
        Assert.Contains("partner line 2", report.Malformed[0].Reason);
        Assert.Contains("not an integer", report.Malformed[1].Reason);
        Assert.Contains("disagree", report.Malformed[2].Reason);
        Assert.Contains("no partner", report.Malformed[5].Reason);
        Assert.Throws<UsageException>(() => LabeledLinePairsReader.Read(dir.Combine("none"), report));
    }
}
