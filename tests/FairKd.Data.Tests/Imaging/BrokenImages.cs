using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;

namespace FairKd.Data.Tests.Imaging;

/// <summary>
/// A corpus of complete PNG and JPEG files (colour types, bit depths, interlacing, subsampling, progressive and restart
/// intervals) and of incomplete ones made from them: PNG image data short of rows, a zlib stream cut in the middle, an
/// empty IDAT, a missing or wrong Adler-32, extra data; JPEG files cut anywhere, and scans cut short before a (re-added)
/// end-of-image marker. Every cut PNG keeps valid chunk CRCs, so only the image data is wrong.
/// </summary>
internal static class BrokenImages
{
    private static readonly string DataDir = Path.Combine(FairKd.Tests.Shared.RepoPaths.Root, "tests", "FairKd.Data.Tests", "Imaging", "data");

    /// <summary>Complete PNG variants by name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<byte[]>> CompletePng = new Dictionary<string, Func<byte[]>>
    {
        ["rgb8"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 }),
        ["rgb16"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 }),
        ["rgba8"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit8 }),
        ["rgba16"] = () => Png(21, 9, new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit16 }),
        ["grey1"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit1 }),
        ["grey2"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit2 }),
        ["grey4"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit4 }),
        ["grey8"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 }),
        ["grey16"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 }),
        ["greyalpha8"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha, BitDepth = PngBitDepth.Bit8 }),
        ["palette8"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8 }),
        ["palette4"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit4 }),
        ["palette1"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit1 }),
        ["rgb8-adam7"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Rgb, InterlaceMethod = PngInterlaceMode.Adam7 }),
        ["grey1-adam7"] = () => Png(37, 23, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit1, InterlaceMethod = PngInterlaceMode.Adam7 }),
        ["rgba16-adam7"] = () => Png(13, 11, new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit16, InterlaceMethod = PngInterlaceMode.Adam7 }),
        ["rgb8-adam7-5x3"] = () => Png(5, 3, new PngEncoder { ColorType = PngColorType.Rgb, InterlaceMethod = PngInterlaceMode.Adam7 }),
        ["rgb8-stored"] = () => Png(37, 23, new PngEncoder { CompressionLevel = PngCompressionLevel.NoCompression, ChunkFilter = PngChunkFilter.ExcludeAll }),
        ["rgb8-112"] = () => Png(112, 112, new PngEncoder { ColorType = PngColorType.Rgb }),
        ["rgb8-many-idat"] = () => SplitIdat(Png(40, 30, new PngEncoder { ColorType = PngColorType.Rgb }), 50),
    };

    /// <summary>Complete JPEG variants by name (ImageSharp writes baseline only; the progressive and restart-interval
    /// files are committed in Imaging/data, written by Pillow and OpenCV).</summary>
    public static readonly IReadOnlyDictionary<string, Func<byte[]>> CompleteJpeg = new Dictionary<string, Func<byte[]>>
    {
        ["ycc420"] = () => Jpeg(37, 23, JpegColorType.YCbCrRatio420),
        ["ycc444"] = () => Jpeg(37, 23, JpegColorType.YCbCrRatio444),
        ["ycc422"] = () => Jpeg(37, 23, JpegColorType.YCbCrRatio422),
        ["ycc411"] = () => Jpeg(45, 23, JpegColorType.YCbCrRatio411),
        ["luminance"] = () => Jpeg(37, 23, JpegColorType.Luminance),
        ["rgb"] = () => Jpeg(37, 23, JpegColorType.Rgb),
        ["ycc420-112"] = () => Jpeg(112, 112, JpegColorType.YCbCrRatio420),
        ["progressive-420"] = () => File.ReadAllBytes(Path.Combine(DataDir, "progressive-420.jpg")),
        ["progressive-444"] = () => File.ReadAllBytes(Path.Combine(DataDir, "progressive-444.jpg")),
        ["progressive-gray"] = () => File.ReadAllBytes(Path.Combine(DataDir, "progressive-gray.jpg")),
        ["restart-420"] = () => File.ReadAllBytes(Path.Combine(DataDir, "restart-420.jpg")),
        ["progressive-restart"] = () => File.ReadAllBytes(Path.Combine(DataDir, "progressive-restart.jpg")),
    };

    /// <summary>Ways to make a complete PNG incomplete.</summary>
    public static readonly IReadOnlyDictionary<string, Func<byte[], byte[]>> PngCuts = new Dictionary<string, Func<byte[], byte[]>>
    {
        ["half-rows"] = HalfRows,
        ["zlib-cut-50"] = png => WithIdat(png, d => d[..(d.Length / 2)]),
        ["zlib-cut-90"] = png => WithIdat(png, d => d[..(d.Length * 9 / 10)]),
        ["empty-idat"] = png => WithIdat(png, _ => Deflate([])),
        ["zero-length-idat"] = png => WithIdat(png, _ => []),
        ["no-adler"] = png => WithIdat(png, d => d[..^4]),
        ["bad-adler"] = png => WithIdat(png, d => [.. d[..^1], (byte)(d[^1] ^ 0x5A)]),
        ["one-byte-short"] = png => WithRawData(png, raw => raw[..^1]),
        ["file-30"] = png => png[..(png.Length * 3 / 10)],
        ["file-60"] = png => png[..(png.Length * 6 / 10)],
        ["file-99"] = png => png[..(png.Length * 99 / 100)],
        ["no-iend"] = png => png[..^12],
    };

    /// <summary>Ways to make a complete JPEG incomplete.</summary>
    public static readonly IReadOnlyDictionary<string, Func<byte[], byte[]>> JpegCuts = new Dictionary<string, Func<byte[], byte[]>>
    {
        ["file-30"] = j => j[..(j.Length * 3 / 10)],
        ["file-60"] = j => j[..(j.Length * 6 / 10)],
        ["file-95"] = j => j[..(j.Length * 95 / 100)],
        ["no-eoi"] = j => j[..^2],
        ["last-scan-25-then-eoi"] = j => ScanCutWithEoi(j, last: true, 0.25),
        ["last-scan-50-then-eoi"] = j => ScanCutWithEoi(j, last: true, 0.5),
        ["last-scan-90-then-eoi"] = j => ScanCutWithEoi(j, last: true, 0.9),
        ["first-scan-50-then-eoi"] = j => ScanCutWithEoi(j, last: false, 0.5),
    };

    public static byte[] Png(int w, int h, IImageEncoder encoder)
    {
        using var image = TestImages.Texture(w, h, seed: 3);
        return TestImages.Encode(image, encoder);
    }

    public static byte[] Jpeg(int w, int h, JpegColorType color)
    {
        using var image = TestImages.Texture(w, h, seed: 4);
        return TestImages.Encode(image, new JpegEncoder { Quality = 90, ColorType = color });
    }

    /// <summary>The chunks of a PNG (type, data), without the signature.</summary>
    public static List<(string Type, byte[] Data)> Chunks(byte[] png)
    {
        var list = new List<(string, byte[])>();
        for (var pos = 8; pos + 12 <= png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            list.Add((System.Text.Encoding.ASCII.GetString(png, pos + 4, 4), png.AsSpan(pos + 8, length).ToArray()));
            pos += 12 + length;
        }

        return list;
    }

    /// <summary>A PNG of these chunks, each with a correct CRC.</summary>
    public static byte[] Assemble(IEnumerable<(string Type, byte[] Data)> chunks)
    {
        using var s = new MemoryStream();
        s.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> word = stackalloc byte[4];
        foreach (var (type, data) in chunks)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
            s.Write(word);
            var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            s.Write(typed);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
            s.Write(word);
        }

        return s.ToArray();
    }

    /// <summary>Replaces all IDAT chunks by one holding <paramref name="change"/>(the joined IDAT data).</summary>
    public static byte[] WithIdat(byte[] png, Func<byte[], byte[]> change)
    {
        var chunks = Chunks(png);
        var joined = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        var first = chunks.FindIndex(c => c.Type == "IDAT");
        var rest = chunks.Where(c => c.Type != "IDAT").ToList();
        rest.Insert(first, ("IDAT", change(joined)));
        return Assemble(rest);
    }

    /// <summary>Replaces the image data by <paramref name="change"/>(the inflated data), recompressed as a complete zlib stream.</summary>
    public static byte[] WithRawData(byte[] png, Func<byte[], byte[]> change) => WithIdat(png, z => Deflate(change(Inflate(z))));

    /// <summary>The image data holds only the first half of its rows (a complete zlib stream of fewer bytes).</summary>
    public static byte[] HalfRows(byte[] png) => WithRawData(png, raw => raw[..(raw.Length / 2)]);

    public static byte[] Inflate(byte[] zlib)
    {
        using var z = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress);
        using var o = new MemoryStream();
        z.CopyTo(o);
        return o.ToArray();
    }

    public static byte[] Deflate(byte[] raw)
    {
        // .NET writes nothing at all for no input; a complete zlib stream of zero bytes is these 8.
        if (raw.Length == 0) return [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];
        using var o = new MemoryStream();
        using (var z = new ZLibStream(o, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);
        return o.ToArray();
    }

    /// <summary>The same PNG with its image data spread over IDAT chunks of at most <paramref name="size"/> bytes.</summary>
    public static byte[] SplitIdat(byte[] png, int size)
    {
        var chunks = Chunks(png);
        var joined = chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();
        var first = chunks.FindIndex(c => c.Type == "IDAT");
        var rest = chunks.Where(c => c.Type != "IDAT").ToList();
        rest.InsertRange(first, joined.Chunk(size).Select(d => ("IDAT", d)));
        return Assemble(rest);
    }

    /// <summary>Keeps the file up to <paramref name="fraction"/> of the entropy-coded data of its first or last scan, then
    /// an end-of-image marker: a scan that ends before its data is complete, in a file that looks finished.</summary>
    public static byte[] ScanCutWithEoi(byte[] jpeg, bool last, double fraction)
    {
        var sos = last ? jpeg.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]) : jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);
        var start = sos + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(sos + 2));
        var end = start;
        while (end + 1 < jpeg.Length && !(jpeg[end] == 0xFF && jpeg[end + 1] is not 0x00 and not (>= 0xD0 and <= 0xD7))) end++;
        var cut = start + (int)((end - start) * fraction);
        if (jpeg[cut - 1] == 0xFF) cut--;
        return [.. jpeg[..cut], 0xFF, 0xD9];
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }

        return crc ^ 0xFFFFFFFFu;
    }
}
