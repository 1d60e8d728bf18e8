using FairKd.Data.Readers;

namespace FairKd.Data.Tests.Readers;

public class ReaderReportTests
{
    [Fact]
    public void Counts_skips_and_keeps_the_first_malformed_entries()
    {
        var report = new ReaderReport(maxKept: 2, examplesPerReason: 1);
        report.Skip(SkipReasons.HiddenFile, "d/.a");
        report.Skip(SkipReasons.HiddenFile, "d/.b");
        report.Skip(SkipReasons.NonImageExtension);
        report.MalformedLine("list.txt", 3, "bad");
        report.MalformedAt("t.rec", 64, "bad magic");
        report.MalformedLine("list.txt", 9, "worse");
        Assert.Equal(2, report.SkippedCount(SkipReasons.HiddenFile));
        Assert.Equal(3, report.TotalSkipped);
        Assert.Equal(["d/.a"], report.Examples(SkipReasons.HiddenFile));
        Assert.Equal(3, report.MalformedCount);
        Assert.Equal(["list.txt:3: bad", "t.rec@64: bad magic"], report.Malformed.Select(m => m.ToString()));
        Assert.Equal([SkipReasons.HiddenFile, SkipReasons.NonImageExtension], report.SkippedByReason.Select(kv => kv.Key));
        Assert.Contains("... and 1 more malformed entries", report.Describe());
    }

    [Fact]
    public void Is_safe_under_concurrent_reports()
    {
        var report = new ReaderReport(maxKept: 10);
        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            report.Skip(i % 2 == 0 ? "even" : "odd", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            report.MalformedLine("f", i, "r");
        });
        Assert.Equal(5000, report.SkippedCount("even"));
        Assert.Equal(5000, report.SkippedCount("odd"));
        Assert.Equal(10_000, report.MalformedCount);
        Assert.Equal(10, report.Malformed.Count);
        Assert.Equal(5, report.Examples("odd").Count);
    }
}
