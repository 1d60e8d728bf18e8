using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace FairKd.Data.Imaging;

/// <summary>
/// Truncation checks ImageSharp 2.1.13 does not make: its JPEG, WebP and BMP decoders fill a cut-off image silently
/// (grey or black rows) instead of failing, and a PNG cut between two IDAT chunks decodes partially. Each check reads
/// only container framing, so it costs nothing next to decoding.
/// </summary>
internal static class ContainerIntegrity
{
    /// <summary>Null when the container looks complete; otherwise what is missing (for the reject reason).</summary>
    public static string? FindTruncation(IImageFormat format, ReadOnlySpan<byte> bytes) => format switch
    {
        JpegFormat => JpegComplete(bytes) ? null : "JPEG has no end-of-image marker after its scan data",
        PngFormat => PngComplete(bytes) ? null : "PNG has no IEND chunk after its image data",
        WebpFormat => RiffComplete(bytes, out var declared) ? null : $"WebP RIFF header declares {declared} bytes, file has {bytes.Length}",
        BmpFormat => BmpComplete(bytes, out var needed) ? null : $"BMP needs {needed} bytes of header and pixels, file has {bytes.Length}",
        _ => null,
    };

    /// <summary>
    /// A complete JPEG has an end-of-image marker (FF D9) after the start of its last scan (FF DA). Inside entropy-coded
    /// data every FF byte is stuffed (FF 00) or a restart marker (FF D0-D7), so an FF D9 after the last FF DA can only be
    /// the real end; one before it belongs to an embedded thumbnail and does not count.
    /// </summary>
    public static bool JpegComplete(ReadOnlySpan<byte> jpeg)
    {
        var lastScan = jpeg.LastIndexOf([(byte)0xFF, (byte)0xDA]);
        return lastScan >= 0 && jpeg.LastIndexOf([(byte)0xFF, (byte)0xD9]) > lastScan;
    }

    /// <summary>The IEND chunk type comes after the last IDAT chunk type.</summary>
    public static bool PngComplete(ReadOnlySpan<byte> png) => png.LastIndexOf("IEND"u8) > png.LastIndexOf("IDAT"u8);

    /// <summary>RIFF: bytes 4..7 hold the size of everything after the first 8 bytes.</summary>
    public static bool RiffComplete(ReadOnlySpan<byte> riff, out long declared)
    {
        declared = riff.Length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(riff[4..]) + 8L : 8;
        return riff.Length >= declared;
    }

    /// <summary>
    /// Uncompressed BMP (BI_RGB / BI_BITFIELDS): pixel data offset plus height x padded row. Compressed BMPs (RLE) are
    /// checked against the file size the header declares.
    /// </summary>
    public static bool BmpComplete(ReadOnlySpan<byte> bmp, out long needed)
    {
        needed = 54;
        if (bmp.Length < 30) return false;
        var declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(bmp[2..]);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(bmp[10..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(bmp[14..]);
        if (dibSize < 40 || bmp.Length < 34)
        {
            needed = declaredSize;
            return bmp.Length >= declaredSize; // OS/2 core headers: trust the declared size
        }

        long width = BinaryPrimitives.ReadInt32LittleEndian(bmp[18..]);
        long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bmp[22..]));
        var bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bmp[28..]);
        var compression = BinaryPrimitives.ReadUInt32LittleEndian(bmp[30..]);
        if (compression is 0 or 3 or 6)
        {
            var row = ((bitsPerPixel * Math.Abs(width)) + 31) / 32 * 4;
            needed = offset + (row * height);
        }
        else
        {
            needed = declaredSize;
        }

        return bmp.Length >= needed;
    }
}
