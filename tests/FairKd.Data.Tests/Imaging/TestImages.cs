using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Tests.Imaging;

/// <summary>Deterministic synthetic images for the imaging tests.</summary>
internal static class TestImages
{
    /// <summary>A smooth-but-busy RGB texture (sinusoids plus hashed noise), deterministic for (w, h, seed).</summary>
    public static Image<Rgb24> Texture(int width, int height, int seed = 1)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var noise = (int)((Hash(x, y, seed) % 31) - 15);
                var r = 127 + (90 * Math.Sin((x / 5.0) + seed) * Math.Cos(y / 7.0)) + noise;
                var g = 127 + (90 * Math.Sin(((x + y) / 9.0) + (2 * seed))) - noise;
                var b = 127 + (60 * Math.Cos(x / 3.0)) + (50 * Math.Sin((y / 4.0) + seed));
                image[x, y] = new Rgb24(Clamp(r), Clamp(g), Clamp(b));
            }
        }

        return image;
    }

    public static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>Interleaved RGB bytes of an image.</summary>
    public static byte[] Rgb(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    private static uint Hash(int x, int y, int seed)
    {
        var h = (uint)((x * 73856093) ^ (y * 19349663) ^ (seed * 83492791));
        h ^= h >> 13;
        h *= 0x5bd1e995;
        return h ^ (h >> 15);
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
