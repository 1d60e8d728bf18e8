using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace FairKd.Data.Imaging;

/// <summary>
/// Completeness checks ImageSharp 2.1.13 does not make: it fills a cut-off or short image silently (grey, black or
/// missing rows) instead of failing. JPEG: every scan's entropy-coded data holds all its MCUs and EOI follows
/// (<see cref="JpegScanCheck"/>); PNG: the inflated image data is exactly what the header declares and the zlib stream
/// is complete (<see cref="PngDataCheck"/>); WebP and BMP: the container holds the bytes its header declares.
/// </summary>
internal static class ContainerIntegrity
{
    /// <summary>Null when the container looks complete; otherwise what is missing (for the reject reason).</summary>
    public static string? FindTruncation(IImageFormat format, ReadOnlySpan<byte> bytes) => format switch
    {
        JpegFormat => JpegScanCheck.FindIncomplete(bytes),
        PngFormat => PngDataCheck.FindIncomplete(bytes),
        WebpFormat => RiffComplete(bytes, out var declared) ? null : $"WebP RIFF header declares {declared} bytes, file has {bytes.Length}",
        BmpFormat => BmpComplete(bytes, out var needed) ? null : $"BMP needs {needed} bytes of header and pixels, file has {bytes.Length}",
        _ => null,
    };

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
