using FairKd.Data.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Tests.Imaging;

/// <summary>
/// Strict decoding: incomplete pixel data (PNG data short of the rows its header declares, a cut zlib stream, an empty
/// IDAT, a JPEG scan that ends before its end marker) is rejected, never padded; complete files of the same kinds pass.
/// The corpus is made here from complete files (<see cref="BrokenImages"/>).
/// </summary>
public sealed class StrictDecodeTests
{
    private static readonly SafeImageDecoder Decoder = new();

    public static TheoryData<string> PngVariants() => [.. BrokenImages.CompletePng.Keys];

    public static TheoryData<string> JpegVariants() => [.. BrokenImages.CompleteJpeg.Keys];

    [Theory]
    [MemberData(nameof(PngVariants))]
    public void Complete_png_passes_and_every_cut_of_it_is_rejected(string variant)
    {
        var png = BrokenImages.CompletePng[variant]();
        var ok = Decoder.Decode(png);
        Assert.True(ok.Succeeded, $"{variant}: {ok.Reason}");
        ok.Image!.Dispose();
        foreach (var (cut, make) in BrokenImages.PngCuts)
        {
            var broken = make(png);
            var r = Decoder.Decode(broken);
            r.Image?.Dispose();
            Assert.True(r.Reason?.StartsWith("undecodable: truncated or corrupt", StringComparison.Ordinal) == true,
                $"{variant} {cut}: {(r.Succeeded ? "decoded" : r.Reason)}");
        }
    }

    [Theory]
    [MemberData(nameof(JpegVariants))]
    public void Complete_jpeg_passes_and_every_cut_of_it_is_rejected(string variant)
    {
        var jpeg = BrokenImages.CompleteJpeg[variant]();
        Assert.Null(JpegScanCheck.FindIncomplete(jpeg));
        var ok = Decoder.Decode(jpeg);
        Assert.True(ok.Succeeded, $"{variant}: {ok.Reason}");
        ok.Image!.Dispose();
        foreach (var (cut, make) in BrokenImages.JpegCuts)
        {
            var r = Decoder.Decode(make(jpeg));
            r.Image?.Dispose();
            Assert.True(r.Reason?.StartsWith("undecodable: truncated or corrupt", StringComparison.Ordinal) == true,
                $"{variant} {cut}: {(r.Succeeded ? "decoded" : r.Reason)}");
        }
    }

    [Fact]
    public void A_jpeg_cut_at_every_byte_of_its_scan_is_rejected()
    {
        foreach (var variant in new[] { "ycc420", "progressive-420", "restart-420", "progressive-restart" })
        {
            var jpeg = BrokenImages.CompleteJpeg[variant]();
            var accepted = new List<int>();
            var sos = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);
            for (var cut = sos + 4; cut < jpeg.Length - 2; cut++)
            {
                if (jpeg[cut - 1] == 0xFF) continue;
                byte[] withEoi = [.. jpeg[..cut], 0xFF, 0xD9];
                if (JpegScanCheck.FindIncomplete(withEoi) is null && !EndsAtAScanBoundary(jpeg, cut)) accepted.Add(cut);
            }

            Assert.True(accepted.Count == 0, $"{variant}: cuts accepted at {string.Join(", ", accepted.Take(10))} of {jpeg.Length} bytes");
        }
    }

    [Fact]
    public void The_three_broken_112_pngs_imagesharp_alone_decodes_are_rejected_with_the_reason()
    {
        var png = BrokenImages.CompletePng["rgb8-112"]();
        var cases = new Dictionary<string, byte[]>
        {
            ["half-rows"] = BrokenImages.HalfRows(png),
            ["zlib-cut"] = BrokenImages.WithIdat(png, d => d[..(d.Length / 2)]),
            ["empty-idat"] = BrokenImages.WithIdat(png, _ => BrokenImages.Deflate([])),
        };
        // ImageSharp 2.1.13 on its own turns each of these into a 112x112 image (the missing rows black): why the check exists.
        foreach (var (name, bytes) in cases)
        {
            using var silently = Image.Load<Rgb24>(bytes);
            Assert.True(silently.Width == 112 && silently.Height == 112, name);
        }

        Assert.Equal("undecodable: truncated or corrupt (PNG image data holds 18872 of the 37744 bytes its header declares (56 of 112 rows))",
            Decoder.Decode(cases["half-rows"]).Reason);
        Assert.StartsWith("undecodable: truncated or corrupt (PNG image data holds ", Decoder.Decode(cases["zlib-cut"]).Reason);
        Assert.Equal("undecodable: truncated or corrupt (PNG image data holds 0 of the 37744 bytes its header declares (0 of 112 rows))",
            Decoder.Decode(cases["empty-idat"]).Reason);
    }

    [Fact]
    public void A_jpeg_scan_cut_before_a_re_added_end_marker_names_the_missing_mcu()
    {
        var jpeg = BrokenImages.CompleteJpeg["ycc420-112"]();
        var cut = BrokenImages.ScanCutWithEoi(jpeg, last: true, 0.5);
        using (var silently = Image.Load<Rgb24>(cut)) Assert.Equal(112, silently.Height); // ImageSharp alone pads it
        Assert.Matches(@"^undecodable: truncated or corrupt \(JPEG scan data ends before MCU \d+ of 49 is complete\)$", Decoder.Decode(cut).Reason);
    }

    [Fact]
    public void Png_check_counts_adam7_passes_and_sub_byte_rows()
    {
        // 3x2 grey 1-bit Adam7: passes 1 (1x1), 4 (1x1 at x=2), 6 (1x1 at x=1), 7 (3x1): 4 rows of 1 filter byte + 1 byte.
        // (ImageSharp's encoder writes one more filter byte, for pass 2, which has a row but no columns: tolerated.)
        var png = BrokenImages.Png(3, 2, new SixLabors.ImageSharp.Formats.Png.PngEncoder
        {
            ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale,
            BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit1,
            InterlaceMethod = SixLabors.ImageSharp.Formats.Png.PngInterlaceMode.Adam7,
        });
        Assert.Null(PngDataCheck.FindIncomplete(png));
        Assert.Null(PngDataCheck.FindIncomplete(BrokenImages.WithRawData(png, raw => raw[..8])));
        Assert.Equal("PNG image data holds 7 of the 8 bytes its header declares",
            PngDataCheck.FindIncomplete(BrokenImages.WithRawData(png, raw => raw[..7])));
        // 37x23 RGB 16-bit, not interlaced: 23 rows of 1 + 37 x 6 bytes.
        var rgb16 = BrokenImages.CompletePng["rgb16"]();
        Assert.Equal("PNG image data holds 2230 of the 5129 bytes its header declares (10 of 23 rows)",
            PngDataCheck.FindIncomplete(BrokenImages.WithRawData(rgb16, raw => raw[..2230])));
    }

    [Fact]
    public void Png_data_a_little_beyond_the_declared_size_is_tolerated_as_libpng_does()
    {
        var png = BrokenImages.WithRawData(BrokenImages.CompletePng["rgb8"](), raw => [.. raw, .. new byte[7]]);
        var r = Decoder.Decode(png);
        Assert.True(r.Succeeded, r.Reason);
        r.Image!.Dispose();
    }

    [Fact]
    public void Png_data_far_beyond_the_declared_size_is_refused_without_inflating_it_all()
    {
        var png = BrokenImages.CompletePng["grey8"]();
        var bomb = BrokenImages.WithRawData(png, raw => [.. raw, .. new byte[PngDataCheck.ExtraAllowed + 1]]);
        Assert.Equal($"PNG image data holds over {PngDataCheck.ExtraAllowed} bytes more than the {23 * 38} its header declares", PngDataCheck.FindIncomplete(bomb));
    }

    /// <summary>True when <paramref name="cut"/> is exactly where a scan's data ends (a marker follows): the scans before
    /// are complete, and a file of fewer scans is a complete (progressive) file.</summary>
    private static bool EndsAtAScanBoundary(byte[] jpeg, int cut) =>
        cut + 1 < jpeg.Length && jpeg[cut] == 0xFF && jpeg[cut + 1] is not 0x00 and not (>= 0xD0 and <= 0xD7);
}
