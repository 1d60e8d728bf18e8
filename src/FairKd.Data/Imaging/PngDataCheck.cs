using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace FairKd.Data.Imaging;

/// <summary>
/// Exact completeness check of a PNG's image data, which ImageSharp 2.1.13 does not make (it decodes a PNG whose
/// compressed data holds only some rows, or whose zlib stream is cut, or whose IDAT is empty, into an image with black
/// rows). The chunks are walked up to IEND (each must lie inside the file), the IDAT data is inflated and must give
/// exactly the bytes the header declares: for each (Adam7) pass, rows x (1 filter byte + ceil(width x bits per pixel / 8)),
/// bits per pixel from the colour type and bit depth; the zlib stream must end with the Adler-32 of what it holds. Fewer
/// bytes are refused (never padded); more are tolerated up to <see cref="ExtraAllowed"/> (libpng and Pillow ignore them,
/// and ImageSharp's own Adam7 encoder writes a filter byte for passes without columns), so a lying header costs little.
/// </summary>
internal static class PngDataCheck
{
    /// <summary>Bytes past the declared size that are tolerated (and inflated to check the stream's end).</summary>
    public const int ExtraAllowed = 1 << 20;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Null when the image data is complete; otherwise what is wrong (for the reject reason).</summary>
    public static string? FindIncomplete(ReadOnlySpan<byte> png)
    {
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature)) return "no PNG signature";
        var pos = Signature.Length;
        Header? header = null;
        var idat = new List<(int Start, int Length)>();
        var ended = false;
        while (pos < png.Length)
        {
            if (png.Length - pos < 12) return $"PNG is cut off in a chunk header at byte {pos}";
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            var type = System.Text.Encoding.ASCII.GetString(png.Slice(pos + 4, 4));
            if (length > int.MaxValue || pos + 12L + length > png.Length)
                return $"PNG chunk {type} at byte {pos} declares {length} bytes, the file ends before them";
            var data = png.Slice(pos + 8, (int)length);
            if (header is null && type != "IHDR") return "PNG does not start with an IHDR chunk";
            switch (type)
            {
                case "IHDR":
                    if (length < 13) return "PNG IHDR chunk is too short";
                    header = new Header(BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]), data[8], data[9], data[12]);
                    break;
                case "IDAT":
                    idat.Add((pos + 8, (int)length));
                    break;
                case "IEND":
                    ended = true;
                    break;
            }

            pos += 12 + (int)length;
            if (ended) break;
        }

        if (header is not { } h) return "PNG has no IHDR chunk";
        if (!ended) return "PNG has no IEND chunk after its image data";
        if (idat.Count == 0) return "PNG has no image data (IDAT)";
        if (h.BitsPerPixel is not { } bpp) return $"PNG header declares colour type {h.ColorType} with bit depth {h.BitDepth}, which is not valid";
        var expected = h.DataBytes(bpp);
        var compressed = idat.Sum(c => (long)c.Length);
        if (compressed < 6) return $"PNG image data is {compressed} bytes, too short for a zlib stream (header declares {expected} bytes of pixel data)";
        return Inflate(png, idat, compressed, expected, h, bpp);
    }

    private static string? Inflate(ReadOnlySpan<byte> png, List<(int Start, int Length)> idat, long compressed, long expected, Header h, int bpp)
    {
        var joined = ArrayPool<byte>.Shared.Rent((int)compressed);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var at = 0;
            foreach (var (start, length) in idat)
            {
                png.Slice(start, length).CopyTo(joined.AsSpan(at));
                at += length;
            }

            long produced = 0;
            uint a = 1, b = 0;
            try
            {
                using var source = new MemoryStream(joined, 0, at, writable: false);
                using var zlib = new ZLibStream(source, CompressionMode.Decompress);
                while (produced <= expected + ExtraAllowed)
                {
                    var want = (int)Math.Min(buffer.Length, expected + ExtraAllowed + 1 - produced);
                    var n = zlib.Read(buffer, 0, want);
                    if (n == 0) break;
                    Adler(buffer.AsSpan(0, n), ref a, ref b);
                    produced += n;
                }
            }
            catch (InvalidDataException e)
            {
                return $"PNG image data is not a valid zlib stream ({e.Message.TrimEnd('.')})";
            }

            if (produced > expected + ExtraAllowed) return $"PNG image data holds over {ExtraAllowed} bytes more than the {expected} its header declares";
            if (produced < expected)
            {
                var rows = h.Interlace == 0 ? $" ({produced / (1 + RowBytes(h.Width, bpp))} of {h.Height} rows)" : "";
                return $"PNG image data holds {produced} of the {expected} bytes its header declares{rows}";
            }

            var trailer = BinaryPrimitives.ReadUInt32BigEndian(joined.AsSpan(at - 4));
            if (trailer != ((b << 16) | a)) return "PNG zlib stream is not complete (no Adler-32 checksum of the image data at its end)";
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    private static void Adler(ReadOnlySpan<byte> data, ref uint a, ref uint b)
    {
        const uint Mod = 65521;
        while (data.Length > 0)
        {
            var n = Math.Min(data.Length, 5552); // the largest run before the sums can overflow 32 bits
            foreach (var x in data[..n])
            {
                a += x;
                b += a;
            }

            a %= Mod;
            b %= Mod;
            data = data[n..];
        }
    }

    private static long RowBytes(long width, int bpp) => ((width * bpp) + 7) / 8;

    private readonly record struct Header(uint Width, uint Height, byte BitDepth, byte ColorType, byte Interlace)
    {
        /// <summary>Bits per pixel, or null for an invalid colour type / bit depth pair.</summary>
        public int? BitsPerPixel => (ColorType, BitDepth) switch
        {
            (0, 1 or 2 or 4 or 8 or 16) => BitDepth,
            (2, 8 or 16) => 3 * BitDepth,
            (3, 1 or 2 or 4 or 8) => BitDepth,
            (4, 8 or 16) => 2 * BitDepth,
            (6, 8 or 16) => 4 * BitDepth,
            _ => null,
        };

        /// <summary>Filtered bytes the header declares: one filter byte per row of each non-empty (Adam7) pass.</summary>
        public long DataBytes(int bpp)
        {
            if (Interlace == 0) return Height * (1 + RowBytes(Width, bpp));
            long total = 0;
            foreach (var (x0, y0, dx, dy) in Adam7)
            {
                long w = Width > x0 ? (Width - x0 + dx - 1) / dx : 0;
                long rows = Height > y0 ? (Height - y0 + dy - 1) / dy : 0;
                if (w > 0 && rows > 0) total += rows * (1 + RowBytes(w, bpp));
            }

            return total;
        }

        private static readonly (uint X0, uint Y0, uint Dx, uint Dy)[] Adam7 =
            [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
    }
}
