using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Imaging;

/// <summary>Writes aligned faces back to PNG for inspection (<c>fairkd ingest --write-aligned DIR</c>).</summary>
public static class AlignedImageWriter
{
    /// <summary>Converts a normalised CHW tensor (3 x size x size, RGB) to bytes, <c>round(x * 127.5 + 127.5)</c> clamped.</summary>
    public static Image<Rgb24> ToImage(ReadOnlySpan<float> chw, int size)
    {
        var plane = size * size;
        if (size <= 0 || chw.Length < 3 * plane) throw new ArgumentException($"CHW buffer holds {chw.Length} floats, 3x{size}x{size} needed");
        var image = new Image<Rgb24>(size, size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var i = (y * size) + x;
                image[x, y] = new Rgb24(ToByte(chw[i]), ToByte(chw[i + plane]), ToByte(chw[i + (2 * plane)]));
            }
        }

        return image;
    }

    /// <summary>Saves the tensor as a PNG at <paramref name="path"/> (written atomically: <see cref="Core.IO.AtomicFile"/>).</summary>
    public static void SavePng(float[] chw, int size, string path)
    {
        ArgumentNullException.ThrowIfNull(chw);
        using var image = ToImage(chw, size);
        Core.IO.AtomicFile.Write(path, s => image.SaveAsPng(s), durable: false); // one of many derived files, rewritten by a rerun
    }

    private static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round((v * 127.5f) + 127.5f), 0f, 255f);
}
