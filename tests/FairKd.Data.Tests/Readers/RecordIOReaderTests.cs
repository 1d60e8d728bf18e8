using System.Buffers.Binary;
using CsCheck;
using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Readers;
using FairKd.Data.Readers.RecordIO;
using FairKd.Data.Tests.Helpers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

public class RecordIOReaderTests
{
    private static readonly byte[] MagicBytes = BitConverter.GetBytes(RecordIOFormat.Magic);

    /// <summary>An image-like payload with the magic at the given byte offsets of the image.</summary>
    private static byte[] Image(int length, int seed, params int[] magicAt)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        foreach (var m in magicAt) MagicBytes.CopyTo(bytes, m);
        return bytes;
    }

    /// <summary>InsightFace layout: record 0 header (a, b), images 1..a-1, identity records a..b-1.</summary>
    private static (string Rec, List<byte[]> Images, int Splits) WriteInsightFace(TempDir dir, bool arrayLabels, bool idx = true)
    {
        var rec = dir.Combine("train.rec");
        byte[][] images =
        [
            Image(37, 1),
            Image(64, 2, 0),           // magic first (aligned): part 1 empty
            Image(41, 3, 8, 12, 36),   // consecutive aligned magics and one near the end
            Image(30, 4, 1, 6, 11),    // unaligned magics only: not split
            Image(40, 5, 36),          // aligned magic as the last 4 bytes: empty end part
        ];
        int[] labels = [0, 0, 1, 1, 2];
        using var w = new RecordIOWriter(rec, idx ? dir.Combine("train.idx") : null);
        var a = images.Length + 1;
        var b = a + 3;
        w.Write(0, RecordIOWriter.Pack([a, b], asArray: true, 0, []));
        for (var i = 0; i < images.Length; i++)
            w.Write(i + 1, RecordIOWriter.Pack(arrayLabels ? [labels[i], 0.5f] : [labels[i]], arrayLabels, (ulong)(i + 1), images[i]));
        float[][] ranges = [[1, 3], [3, 5], [5, 6]];
        for (var c = 0; c < 3; c++) w.Write(a + c, RecordIOWriter.Pack(ranges[c], asArray: true, 0, []));
        return (rec, [.. images], w.SplitCount);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void Round_trip_of_insightface_layout_with_split_records(bool arrayLabels, bool withIdx)
    {
        using var dir = new TempDir("rec");
        var (rec, images, splits) = WriteInsightFace(dir, arrayLabels, withIdx);
        Assert.Equal(5, splits);
        var report = new ReaderReport();
        using var reader = RecordIOReader.Open(dir.Path, report);
        Assert.Equal(withIdx ? dir.Combine("train.idx") : null, reader.IdxPath);
        Assert.Equal(new RecordIOHeaderRecord(6, 9), reader.ReadHeaderRecord());
        var samples = new RecordIOSampleReader("ms1m", reader).Enumerate().ToList();
        Assert.Equal(["ms1m/0/1.jpg", "ms1m/0/2.jpg", "ms1m/1/3.jpg", "ms1m/1/4.jpg", "ms1m/2/5.jpg"], samples.Select(s => s.Key));
        Assert.Equal(["ms1m/0", "ms1m/0", "ms1m/1", "ms1m/1", "ms1m/2"], samples.Select(s => s.Identity));
        Assert.All(samples, s => Assert.Null(s.Group));
        Assert.Equal("1/3.jpg", samples[2].RelativePath);
        for (var i = 0; i < samples.Count; i++)
        {
            var src = Assert.IsType<RecordIOSource>(samples[i].Source);
            Assert.Equal(rec, src.RecPath);
            Assert.Equal(i + 1, src.RecordIndex);
            Assert.Equal(images[i], reader.ReadPayload(src.Offset));
        }

        Assert.Equal(3, report.SkippedCount(SkipReasons.IdentityRecord));
        Assert.Equal(0, report.MalformedCount);
        Assert.Equal([new(0, 1, 3), new(1, 3, 5), new RecordIOIdentityRange(2, 5, 6)], reader.IdentityRanges().ToList());
    }

    [Fact]
    public void Without_header_record_every_record_is_an_image_and_labels_come_from_the_scalar()
    {
        using var dir = new TempDir("rec");
        var rec = dir.Combine("data.rec");
        using (var w = new RecordIOWriter(rec, dir.Combine("data.idx")))
        {
            w.Write(0, RecordIOWriter.Pack([7], false, 0, Image(10, 1)));
            w.Write(1, RecordIOWriter.Pack([3, 9], true, 1, Image(12, 2)));
        }

        using var reader = RecordIOReader.Open(rec);
        Assert.Null(reader.ReadHeaderRecord());
        var samples = new RecordIOSampleReader("x", reader).Enumerate().ToList();
        Assert.Equal(["x/7/0.jpg", "x/3/1.jpg"], samples.Select(s => s.Key));
        Assert.True(reader.TryReadImage(((RecordIOSource)samples[1].Source).Offset, out var img, out _));
        Assert.Equal([3f, 9f], img!.Labels);
        Assert.Equal(3f, img.ClassLabel);
        Assert.Equal(2u, img.Header.Flag);
    }

    [Fact]
    public void Property_payloads_with_aligned_and_unaligned_magic_round_trip()
    {
        using var dir = new TempDir("rec");
        var gen = Gen.Select(Gen.Byte.Array[0, 60], Gen.Int[0, 15].Array[0, 6], Gen.Bool);
        var rec = dir.Combine("p.rec");
        gen.Sample((bytes, magicSlots, asArray) =>
        {
            var payload = bytes.ToArray();
            foreach (var slot in magicSlots)
                if (slot + 4 <= payload.Length) MagicBytes.CopyTo(payload, slot);
            var packed = RecordIOWriter.Pack([1, 2], asArray, 9, payload);
            using (var w = new RecordIOWriter(rec, null))
            {
                w.Write(0, packed);
                w.Write(1, packed);
            }

            using var reader = RecordIOReader.Open(rec);
            var offsets = reader.Records().Select(r => r.Offset).ToList();
            Assert.Equal(2, offsets.Count);
            Assert.True(reader.TryReadRecord(offsets[1], out var back, out var error), error);
            Assert.Equal(packed, back);
            Assert.Equal(payload, reader.ReadPayload(offsets[0]));
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Parallel_reads_return_the_same_bytes()
    {
        using var dir = new TempDir("rec");
        var (_, images, _) = WriteInsightFace(dir, arrayLabels: false);
        using var reader = RecordIOReader.Open(dir.Combine("train.rec"));
        var offsets = reader.Records().Where(r => r.Key is >= 1 and <= 5).Select(r => r.Offset).ToArray();
        var ok = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (reader.ReadPayload(offsets[i % 5]).AsSpan().SequenceEqual(images[i % 5])) Interlocked.Increment(ref ok);
        });
        Assert.Equal(400, ok);
    }

    [Fact]
    public void Unusable_files_throw_usage_errors()
    {
        using var dir = new TempDir("rec");
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() => RecordIOReader.Open(dir.Combine("none.rec"))).Message);
        File.WriteAllBytes(dir.Combine("empty.rec"), []);
        Assert.Contains("empty", Assert.Throws<UsageException>(() => RecordIOReader.Open(dir.Combine("empty.rec"))).Message);
        File.WriteAllBytes(dir.Combine("garbage.rec"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Contains("not an MXNet RecordIO file", Assert.Throws<UsageException>(() => RecordIOReader.Open(dir.Combine("garbage.rec"))).Message);
    }

    [Fact]
    public void Corrupt_records_and_index_lines_are_reported_not_thrown()
    {
        using var dir = new TempDir("rec");
        var rec = dir.Combine("c.rec");
        long second;
        using (var w = new RecordIOWriter(rec, null))
        {
            w.Write(0, RecordIOWriter.Pack([0], false, 0, Image(16, 1)));
            second = w.Write(1, RecordIOWriter.Pack([1], false, 1, Image(40, 2, 8))); // split in 2 parts
            w.Write(2, RecordIOWriter.Pack([2], false, 2, Image(16, 3)));
        }

        var length = new FileInfo(rec).Length;
        var partTwo = second + 8 + IRHeader.Size + 8; // part 1 holds header + 8 image bytes
        File.WriteAllLines(dir.Combine("c.idx"),
        [
            "0\t0", "1\t" + second, "bad line", "7\t" + (second + 4), "8\t" + partTwo, "9\t" + (length + 16), "x\t0",
        ]);
        var report = new ReaderReport();
        using var reader = RecordIOReader.Open(rec, report);
        var keys = new RecordIOSampleReader("c", reader).Enumerate().Select(s => s.Key).ToList();
        Assert.Equal(["c/0/0.jpg", "c/1/1.jpg"], keys);
        var m = report.Malformed;
        Assert.Equal(5, report.MalformedCount);
        Assert.Contains(m, e => e.Line == 3 && e.Reason.Contains("key<TAB>offset"));
        Assert.Contains(m, e => e.Offset == second + 4 && e.Reason.Contains("bad magic"));
        Assert.Contains(m, e => e.Offset == partTwo && e.Reason.Contains("middle of a split record"));
        Assert.Contains(m, e => e.Line == 6 && e.Reason.Contains("beyond the end"));
        Assert.Contains(m, e => e.Line == 7);
        Assert.False(reader.TryReadRecord(second + 4, out _, out var error));
        Assert.Contains("bad magic", error);
        Assert.Throws<InvalidDataException>(() => reader.ReadPayload(partTwo));
    }

    [Fact]
    public void Truncated_file_is_reported_by_the_scan_and_by_reads()
    {
        using var dir = new TempDir("rec");
        var rec = dir.Combine("t.rec");
        long last;
        using (var w = new RecordIOWriter(rec, null))
        {
            w.Write(0, RecordIOWriter.Pack([0], false, 0, Image(16, 1)));
            last = w.Write(1, RecordIOWriter.Pack([1], false, 1, Image(100, 2, 40)));
        }

        using (var f = new FileStream(rec, FileMode.Open)) f.SetLength(last + 8 + 30);
        var report = new ReaderReport();
        using var reader = RecordIOReader.Open(rec, report);
        Assert.Single(new RecordIOSampleReader("t", reader).Enumerate());
        var entry = Assert.Single(report.Malformed);
        Assert.Equal(last, entry.Offset);
        Assert.Contains("truncated", entry.Reason);
        Assert.False(reader.TryReadRecord(last, out _, out var error));
        Assert.Contains("truncated", error);
    }

    [Fact]
    public void Oversized_length_field_and_bad_labels_are_reported()
    {
        using var dir = new TempDir("rec");
        var rec = dir.Combine("o.rec");
        using (var w = new RecordIOWriter(rec, dir.Combine("o.idx")))
        {
            w.Write(0, RecordIOWriter.Pack([-1], false, 0, Image(8, 1)));
            w.Write(1, RecordIOWriter.Pack([2.5f], false, 1, Image(8, 2)));
            w.Write(2, RecordIOWriter.Pack([float.NaN], false, 2, Image(8, 3)));
            w.Write(3, RecordIOWriter.Pack([5], false, 3, Image(8, 4)));
            w.Write(4, new byte[10]); // shorter than an IRHeader
        }

        File.WriteAllText(dir.Combine("property"), "5,112,112\n");
        var report = new ReaderReport();
        using var reader = RecordIOReader.Open(rec, report);
        Assert.Equal(new RecordIOProperty(5, 112, 112), reader.Property);
        Assert.Empty(new RecordIOSampleReader("o", reader).Enumerate());
        Assert.Equal(5, report.MalformedCount);
        Assert.Contains(report.Malformed, e => e.Reason.Contains("property file's 5 classes"));
        Assert.Contains(report.Malformed, e => e.Reason.Contains("shorter than the 24-byte IRHeader"));

        // a length field pointing past the end of the file
        var bytes = File.ReadAllBytes(rec);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), RecordIOFormat.EncodeLRecord(0, 1 << 20));
        File.WriteAllBytes(rec, bytes);
        using var again = RecordIOReader.Open(rec);
        Assert.False(again.TryReadRecord(0, out _, out var error));
        Assert.Contains("past the end of the file", error);
    }

    [Fact]
    public void Header_with_invalid_ranges_is_reported_and_records_are_images()
    {
        using var dir = new TempDir("rec");
        var rec = dir.Combine("h.rec");
        using (var w = new RecordIOWriter(rec, null))
        {
            w.Write(0, RecordIOWriter.Pack([4, 2], true, 0, []));
            w.Write(1, RecordIOWriter.Pack([0], false, 1, Image(8, 1)));
        }

        var report = new ReaderReport();
        using var reader = RecordIOReader.Open(rec, report);
        Assert.Null(reader.ReadHeaderRecord());
        Assert.Contains("not a range", Assert.Single(report.Malformed).Reason);
    }
}
