using FairKd.Data.Tests.Imaging;
using FairKd.Tests.Shared;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd ingest` sends incomplete images to rejects.csv with a reason instead of padding them into faces.</summary>
public class StrictDecodeIngestTests
{
    [Fact]
    public void Incomplete_112_pngs_and_a_short_jpeg_scan_are_rejected_and_complete_ones_accepted()
    {
        using var tmp = new TempDir("strict");
        var dir = tmp.Combine("faces", "id1");
        Directory.CreateDirectory(dir);
        var png = BrokenImages.Png(112, 112, new PngEncoder());
        var jpeg = BrokenImages.Jpeg(112, 112, JpegColorType.YCbCrRatio420);
        File.WriteAllBytes(Path.Combine(dir, "ok.png"), png);
        File.WriteAllBytes(Path.Combine(dir, "ok.jpg"), jpeg);
        File.WriteAllBytes(Path.Combine(dir, "half-rows.png"), BrokenImages.HalfRows(png));
        File.WriteAllBytes(Path.Combine(dir, "zlib-cut.png"), BrokenImages.WithIdat(png, d => d[..(d.Length / 2)]));
        File.WriteAllBytes(Path.Combine(dir, "empty-idat.png"), BrokenImages.WithIdat(png, _ => BrokenImages.Deflate([])));
        File.WriteAllBytes(Path.Combine(dir, "scan-cut.jpg"), BrokenImages.ScanCutWithEoi(jpeg, last: true, 0.5));

        var outDir = tmp.Combine("out");
        var r = ProcessRunner.Fairkd("ingest", "--dataset", $"faces={tmp.Combine("faces")}", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("ingest: 2 accepted, 4 rejected", r.StdOut, StringComparison.Ordinal);
        var rejects = File.ReadAllLines(Path.Combine(outDir, "rejects.csv")).Skip(1).ToList();
        foreach (var (file, reason) in new[]
                 {
                     ("half-rows.png", "PNG image data holds 18872 of the 37744 bytes its header declares (56 of 112 rows)"),
                     ("zlib-cut.png", "PNG image data holds "),
                     ("empty-idat.png", "PNG image data holds 0 of the 37744 bytes"),
                     ("scan-cut.jpg", "JPEG scan data ends before MCU "),
                 })
        {
            var line = Assert.Single(rejects, l => l.StartsWith($"faces/id1/{file},decode,", StringComparison.Ordinal));
            Assert.Contains("undecodable: truncated or corrupt (" + reason, line, StringComparison.Ordinal);
        }
    }
}
