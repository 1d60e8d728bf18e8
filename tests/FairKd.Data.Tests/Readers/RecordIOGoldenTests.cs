using System.Globalization;
using System.Security.Cryptography;
using FairKd.Core.Records;
using FairKd.Data.Readers;
using FairKd.Data.Readers.RecordIO;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

/// <summary>Reads the .rec/.idx written by tests/golden/recordio/generate.py (an independent Python implementation of the framing).</summary>
public class RecordIOGoldenTests
{
    private static List<string[]> Expected() =>
        [.. File.ReadLines(RepoPaths.Golden("recordio/expected.tsv")).Where(l => !l.StartsWith('#')).Select(l => l.Split('\t'))];

    [Fact]
    public void Python_written_records_are_read_exactly()
    {
        var report = new ReaderReport();
        using var reader = RecordIOReader.Open(RepoPaths.Golden("recordio"), report);
        Assert.Equal(new RecordIOProperty(3, 112, 112), reader.Property);
        Assert.Equal(new RecordIOHeaderRecord(7, 10), reader.ReadHeaderRecord());
        var samples = new RecordIOSampleReader("golden", reader).Enumerate().ToList();
        var expected = Expected();
        Assert.Equal(expected.Count, samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            var e = expected[i];
            var src = Assert.IsType<RecordIOSource>(samples[i].Source);
            Assert.Equal(long.Parse(e[0], CultureInfo.InvariantCulture), src.RecordIndex);
            Assert.Equal(long.Parse(e[1], CultureInfo.InvariantCulture), src.Offset);
            Assert.Equal($"golden/{e[2]}", samples[i].Identity);
            var bytes = reader.ReadPayload(src.Offset);
            Assert.Equal(int.Parse(e[3], CultureInfo.InvariantCulture), bytes.Length);
            Assert.Equal(e[4], Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        Assert.Equal([new(0, 1, 3), new(1, 3, 5), new RecordIOIdentityRange(2, 5, 7)], reader.IdentityRanges().ToList());
        Assert.Equal(0, report.MalformedCount);
    }

    [Fact]
    public void Scanning_without_the_index_finds_the_same_records()
    {
        using var dir = new TempDir("golden-rec");
        File.Copy(RepoPaths.Golden("recordio/train.rec"), dir.Combine("train.rec"));
        using var reader = RecordIOReader.Open(dir.Combine("train.rec"));
        Assert.Null(reader.IdxPath);
        var idx = File.ReadLines(RepoPaths.Golden("recordio/train.idx"))
            .Select(l => l.Split('\t')).Select(p => (long.Parse(p[0], CultureInfo.InvariantCulture), long.Parse(p[1], CultureInfo.InvariantCulture)));
        Assert.Equal(idx, reader.Records());
    }
}
