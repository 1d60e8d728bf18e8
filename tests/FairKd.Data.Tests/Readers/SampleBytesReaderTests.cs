using FairKd.Core.Records;
using FairKd.Data.Readers;
using FairKd.Data.Tests.Helpers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

public class SampleBytesReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Files_are_read_or_rejected_with_a_reason()
    {
        using var dir = new TempDir("bytes");
        File.WriteAllBytes(dir.Combine("ok.jpg"), [1, 2, 3]);
        File.WriteAllBytes(dir.Combine("empty.jpg"), []);
        File.WriteAllBytes(dir.Combine("big.jpg"), new byte[101]);
        using var reader = new SampleBytesReader(maxBytes: 100);
        var ok = await reader.ReadAsync(new FileSource(dir.Combine("ok.jpg"))).AsTask().WaitAsync(Timeout);
        Assert.True(ok.Ok);
        Assert.Equal([1, 2, 3], ok.Bytes);
        Assert.Equal("empty file (0 bytes)", (await reader.ReadAsync(new FileSource(dir.Combine("empty.jpg")))).RejectReason);
        Assert.Contains("over the limit of 100", (await reader.ReadAsync(new FileSource(dir.Combine("big.jpg")))).RejectReason);
        Assert.Equal("file not found", (await reader.ReadAsync(new FileSource(dir.Combine("missing.jpg")))).RejectReason);
        Assert.StartsWith("file not found", (await reader.ReadAsync(new FileSource(dir.Combine("no", "x.jpg")))).RejectReason);
        Assert.Equal("is a folder, not a file", (await reader.ReadAsync(new FileSource(dir.Path))).RejectReason);
    }

    [Fact]
    public async Task Records_are_read_through_a_cached_reader_in_parallel()
    {
        using var dir = new TempDir("bytes");
        var rec = dir.Combine("train.rec");
        var offsets = new long[8];
        using (var w = new RecordIOWriter(rec, null))
            for (var i = 0; i < offsets.Length; i++)
                offsets[i] = w.Write(i, RecordIOWriter.Pack([i], false, 0, Enumerable.Repeat((byte)(i + 1), 10 + (i * 7)).ToArray()));
        using var reader = new SampleBytesReader(maxBytes: 50);
        var tasks = Enumerable.Range(0, 64).Select(async n =>
        {
            await Task.Yield();
            var i = n % offsets.Length;
            return (i, await reader.ReadAsync(new RecordIOSource(rec, offsets[i], i)));
        });
        var results = await Task.WhenAll(tasks).WaitAsync(Timeout);
        foreach (var (i, r) in results)
        {
            if (10 + (i * 7) > 50)
            {
                Assert.Contains("over the limit of 50", r.RejectReason);
                continue;
            }

            Assert.True(r.Ok, r.RejectReason);
            Assert.Equal(10 + (i * 7), r.Bytes!.Length);
            Assert.All(r.Bytes, b => Assert.Equal(i + 1, b));
        }

        var corrupt = await reader.ReadAsync(new RecordIOSource(rec, offsets[1] + 4, 1));
        Assert.Contains("corrupt RecordIO record", corrupt.RejectReason);
        var missing = await reader.ReadAsync(new RecordIOSource(dir.Combine("none.rec"), 0, 0));
        Assert.Contains("RecordIO file unusable", missing.RejectReason);
    }

    [Fact]
    public async Task An_empty_image_record_is_rejected()
    {
        using var dir = new TempDir("bytes");
        var rec = dir.Combine("e.rec");
        using (var w = new RecordIOWriter(rec, null)) w.Write(0, RecordIOWriter.Pack([0], false, 0, []));
        using var reader = new SampleBytesReader();
        Assert.Contains("no image bytes", (await reader.ReadAsync(new RecordIOSource(rec, 0, 0))).RejectReason);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleBytesReader(0));
    }
}
