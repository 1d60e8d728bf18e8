using System.Buffers.Binary;
using CsCheck;
using FairKd.Data.Imaging;
using FairKd.Tests.Shared;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace FairKd.Data.Tests.Imaging;

public sealed class SafeImageDecoderTests
{
    private static readonly SafeImageDecoder Decoder = new();

    private static byte[] Jpeg(int w = 64, int h = 48)
    {
        using var image = TestImages.Texture(w, h);
        return TestImages.Encode(image, new JpegEncoder { Quality = 90 });
    }

    private static byte[] Png(int w = 64, int h = 48)
    {
        using var image = TestImages.Texture(w, h);
        return TestImages.Encode(image, new PngEncoder());
    }

    [Fact]
    public void Decodes_each_supported_format_to_the_same_rgb()
    {
        using var source = TestImages.Texture(40, 30);
        var expected = TestImages.Rgb(source);
        foreach (var (encoder, format) in new (SixLabors.ImageSharp.Formats.IImageEncoder, string)[]
                 {
                     (new PngEncoder(), "PNG"), (new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }, "BMP"),
                     (new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }, "WEBP"),
                 })
        {
            var result = Decoder.Decode(TestImages.Encode(source, encoder));
            Assert.True(result.Succeeded, format + ": " + result.Reason);
            using var image = result.Image!;
            Assert.Equal((40, 30, format), (image.Width, image.Height, image.Format));
            Assert.Equal(expected, image.Rgb.ToArray());
        }

        var jpeg = Decoder.Decode(Jpeg(40, 30));
        Assert.True(jpeg.Succeeded, jpeg.Reason);
        using var decodedJpeg = jpeg.Image!;
        Assert.Equal("JPEG", decodedJpeg.Format);
        var meanError = expected.Zip(decodedJpeg.Rgb.ToArray(), (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(meanError, 0, 8);
    }

    [Fact]
    public void Zero_bytes_is_an_empty_file() => Assert.Equal("empty file", Decoder.Decode(Array.Empty<byte>()).Reason);

    [Fact]
    public void Garbage_is_an_unknown_format()
    {
        var garbage = new byte[500];
        new Random(7).NextBytes(garbage);
        Assert.StartsWith("undecodable: unknown format", Decoder.Decode(garbage).Reason);
        Assert.StartsWith("undecodable: unknown format", Decoder.Decode("hello, not an image\n"u8.ToArray()).Reason);
    }

    [Fact]
    public void Formats_outside_the_four_are_refused_as_unknown()
    {
        using var image = TestImages.Texture(16, 16);
        Assert.StartsWith("undecodable: unknown format", Decoder.Decode(TestImages.Encode(image, new GifEncoder())).Reason);
    }

    [Theory]
    [InlineData(0.6)]
    [InlineData(0.95)]
    [InlineData(0.05)]
    public void Truncated_jpeg_is_truncated_or_corrupt(double keep)
    {
        var jpeg = Jpeg();
        var cut = jpeg.AsMemory(0, (int)(jpeg.Length * keep));
        Assert.StartsWith("undecodable: truncated or corrupt", Decoder.Decode(cut).Reason);
    }

    public static TheoryData<string, double> TruncationCases()
    {
        var data = new TheoryData<string, double>();
        foreach (var format in Variants.Keys)
            foreach (var keep in new[] { 0.3, 0.6, 0.9, 0.99 })
                data.Add(format, keep);
        return data;
    }

    private static readonly Dictionary<string, SixLabors.ImageSharp.Formats.IImageEncoder> Variants = new()
    {
        ["png"] = new PngEncoder(),
        ["png-small-idat"] = new PngEncoder { ChunkFilter = PngChunkFilter.ExcludeAll, CompressionLevel = PngCompressionLevel.NoCompression },
        ["jpeg"] = new JpegEncoder { Quality = 95 },
        ["webp-lossy"] = new WebpEncoder { FileFormat = WebpFileFormatType.Lossy },
        ["webp-lossless"] = new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        ["bmp24"] = new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 },
        ["bmp32"] = new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel32 },
        ["bmp8"] = new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 },
    };

    private static byte[] Encoded(string variant)
    {
        using var image = TestImages.Texture(200, 150, seed: 5);
        return TestImages.Encode(image, Variants[variant]);
    }

    [Theory]
    [MemberData(nameof(TruncationCases))]
    public void Truncated_files_of_every_format_are_rejected(string variant, double keep)
    {
        var bytes = Encoded(variant);
        var result = Decoder.Decode(bytes.AsMemory(0, (int)(bytes.Length * keep)));
        result.Image?.Dispose();
        Assert.NotNull(result.Reason);
        Assert.StartsWith("undecodable: ", result.Reason);
    }

    [Fact]
    public void Complete_files_of_every_variant_pass_the_truncation_checks()
    {
        foreach (var variant in Variants.Keys)
        {
            var result = Decoder.Decode(Encoded(variant));
            Assert.True(result.Succeeded, variant + ": " + result.Reason);
            result.Image!.Dispose();
        }
    }

    [Fact]
    public void Png_without_its_iend_chunk_is_truncated()
    {
        var png = Png();
        Assert.Equal("undecodable: truncated or corrupt (PNG has no IEND chunk after its image data)", Decoder.Decode(png.AsMemory(0, png.Length - 12)).Reason);
    }

    [Fact]
    public void Png_bytes_in_a_jpg_file_decode_because_the_format_is_sniffed()
    {
        using var dir = new TempDir("imaging");
        var path = dir.Combine("face.jpg");
        File.WriteAllBytes(path, Png(20, 10));
        var result = Decoder.Decode(File.ReadAllBytes(path));
        Assert.True(result.Succeeded, result.Reason);
        using var image = result.Image!;
        Assert.Equal(("PNG", 20, 10), (image.Format, image.Width, image.Height));
    }

    [Fact]
    public void Png_header_bomb_is_refused_before_decoding()
    {
        var bomb = PngWithDeclaredSize(20000, 20000);
        Assert.Equal("too-large: 20000x20000 exceeds 4096x4096", Decoder.Decode(bomb).Reason);
    }

    [Fact]
    public void Jpeg_header_bomb_is_refused_before_decoding()
    {
        var jpeg = Jpeg(32, 24);
        var sof = FindSof(jpeg);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 20000); // height
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 20000); // width
        Assert.Equal("too-large: 20000x20000 exceeds 4096x4096", Decoder.Decode(jpeg).Reason);
    }

    [Fact]
    public void Pixel_and_byte_limits_are_configurable()
    {
        var small = new SafeImageDecoder(new ImagingOptions { MaxWidth = 50, MaxHeight = 40, MaxBytes = 1_000_000 });
        Assert.Equal("too-large: 64x48 exceeds 50x40", small.Decode(Png(64, 48)).Reason);
        var png = Png(64, 48);
        var tight = new SafeImageDecoder(new ImagingOptions { MaxBytes = png.Length - 1 });
        Assert.Equal($"too-large: {png.Length} bytes exceeds {png.Length - 1} bytes", tight.Decode(png).Reason);
    }

    [Fact]
    public void Allocation_limit_stops_a_decode_the_pixel_limit_allows()
    {
        var decoder = new SafeImageDecoder(new ImagingOptions { MaxWidth = 100_000, MaxHeight = 100_000, AllocationLimitMegabytes = 1 });
        var reason = decoder.Decode(Png(1024, 1024)).Reason;
        Assert.Equal("too-large: decoder allocation over the 1 MiB limit", reason);
    }

    [Fact]
    public void Mutated_bytes_never_throw()
    {
        var jpeg = Jpeg(24, 24);
        var png = Png(24, 24);
        Gen.Select(Gen.Bool, Gen.Int[0, 4000].Array[1, 12], Gen.Byte.Array[12], Gen.Int[1, 100])
            .Sample((useJpeg, positions, values, keepPercent) =>
            {
                var source = useJpeg ? jpeg : png;
                var bytes = (byte[])source.Clone();
                for (var i = 0; i < positions.Length; i++) bytes[positions[i] % bytes.Length] = values[i];
                var result = Decoder.Decode(bytes.AsMemory(0, Math.Max(1, bytes.Length * keepPercent / 100)));
                result.Image?.Dispose();
                return result.Succeeded || result.Reason!.StartsWith("undecodable: ", StringComparison.Ordinal)
                    || result.Reason.StartsWith("too-large: ", StringComparison.Ordinal);
            }, iter: 300, threads: 1, seed: "0N0XIzNsQ0O2");
    }

    /// <summary>A PNG whose IHDR (valid CRC) declares the given size, followed by a tiny IDAT and IEND.</summary>
    internal static byte[] PngWithDeclaredSize(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour RGB
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, PngCrc(typed));
        stream.Write(word);
    }

    private static uint PngCrc(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static int FindSof(byte[] jpeg)
    {
        for (var i = 2; i + 9 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2) return i;
        }

        throw new InvalidOperationException("no SOF marker");
    }
}
