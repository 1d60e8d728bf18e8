using System.IO.Compression;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Torch.Tests;

/// <summary>Weights files depend on the weights only: the zip entries' wall-clock stamps are fixed.</summary>
public class ZipTimestampsTests
{
    private static readonly DateTimeOffset Fixed = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] Archive(DateTimeOffset stamp, string comment = "")
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            zip.Comment = comment;
            foreach (var (name, size) in new[] { ("m/data.pkl", 300), ("m/data/0", 70_000), ("m/version", 2) })
            {
                var e = zip.CreateEntry(name, CompressionLevel.Optimal);
                e.LastWriteTime = stamp;
                using var s = e.Open();
                s.Write(Enumerable.Range(0, size).Select(i => (byte)(i * 7 % 251)).ToArray());
            }
        }

        return ms.ToArray();
    }

    [Fact]
    public void Archives_written_at_different_times_become_identical_and_still_read()
    {
        var a = Archive(new DateTimeOffset(2026, 12, 6, 18, 3, 20, TimeSpan.Zero), "with a comment");
        var b = Archive(new DateTimeOffset(2031, 5, 17, 9, 41, 58, TimeSpan.Zero), "with a comment");
        Assert.NotEqual(a, b);
        Assert.Equal(3, ZipTimestamps.Normalize(a));
        Assert.Equal(3, ZipTimestamps.Normalize(b));
        Assert.Equal(a, b);
        using var zip = new ZipArchive(new MemoryStream(a), ZipArchiveMode.Read);
        Assert.All(zip.Entries, e => Assert.Equal(Fixed.DateTime, e.LastWriteTime.DateTime));
        using var data = new MemoryStream();
        zip.GetEntry("m/data/0")!.Open().CopyTo(data);
        Assert.Equal(70_000, data.Length); // CRCs and offsets untouched: the entry still inflates and verifies
    }

    [Fact]
    public void Non_zip_and_truncated_bytes_are_refused()
    {
        Assert.Throws<InvalidDataException>(() => ZipTimestamps.Normalize(new byte[100]));
        var a = Archive(DateTimeOffset.UnixEpoch.AddYears(20));
        var cut = a.AsSpan(a.Length / 2).ToArray(); // end record kept, offsets now point outside
        Assert.Throws<InvalidDataException>(() => ZipTimestamps.Normalize(cut));
    }

    [Fact]
    public void Saved_pytorch_weights_carry_the_fixed_stamp_and_the_same_bytes_twice()
    {
        using var tmp = new TempDir("zt");
        using var model = ModelRegistry.Create(ModelSpecText.Parse("iresnet18:width=0.0625,input=16"));
        ModelWeights.SavePyTorch(model, tmp.Combine("a.pth"));
        ModelWeights.SavePyTorch(model, tmp.Combine("b.pth"));
        Assert.Equal(File.ReadAllBytes(tmp.Combine("a.pth")), File.ReadAllBytes(tmp.Combine("b.pth")));
        using var zip = ZipFile.OpenRead(tmp.Combine("a.pth"));
        Assert.NotEmpty(zip.Entries);
        Assert.All(zip.Entries, e => Assert.Equal(Fixed.DateTime, e.LastWriteTime.DateTime));
    }
}
