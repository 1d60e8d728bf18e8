namespace FairKd.Data.Demo;

/// <summary>Whole-image operations on interleaved float RGB buffers (0..255): exposure, style, blur, noise.</summary>
internal static class ImagePostProcess
{
    public static void Expose(float[] rgb, double exposure, Rgb cast)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        var e = (float)exposure;
        for (var i = 0; i < rgb.Length; i += 3)
        {
            rgb[i] = (rgb[i] * e) + cast.R;
            rgb[i + 1] = (rgb[i + 1] * e) + cast.G;
            rgb[i + 2] = (rgb[i + 2] * e) + cast.B;
        }
    }

    /// <summary>Saturation and contrast around mid-grey, then the style's colour shift.</summary>
    public static void Stylise(float[] rgb, ImageStyle style)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(style);
        if (style.Saturation == 1 && style.Contrast == 1 && style.Shift == default) return;
        for (var i = 0; i < rgb.Length; i += 3)
        {
            var luma = (0.299f * rgb[i]) + (0.587f * rgb[i + 1]) + (0.114f * rgb[i + 2]);
            for (var ch = 0; ch < 3; ch++)
            {
                var saturated = luma + ((rgb[i + ch] - luma) * style.Saturation);
                rgb[i + ch] = 128 + ((saturated - 128) * style.Contrast);
            }

            rgb[i] += style.Shift.R;
            rgb[i + 1] += style.Shift.G;
            rgb[i + 2] += style.Shift.B;
        }
    }

    /// <summary>Separable box blur of the given radius (edges clamped); radius 0 leaves the image unchanged.</summary>
    public static void BoxBlur(float[] rgb, int size, int radius)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (radius <= 0) return;
        var tmp = new float[rgb.Length];
        BlurPass(rgb, tmp, size, radius, horizontal: true);
        BlurPass(tmp, rgb, size, radius, horizontal: false);
    }

    private static void BlurPass(float[] src, float[] dst, int size, int radius, bool horizontal)
    {
        var norm = 1f / ((2 * radius) + 1);
        for (var line = 0; line < size; line++)
        {
            for (var pos = 0; pos < size; pos++)
            {
                float r = 0, g = 0, b = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    var q = Math.Clamp(pos + k, 0, size - 1);
                    var i = (horizontal ? (line * size) + q : (q * size) + line) * 3;
                    r += src[i];
                    g += src[i + 1];
                    b += src[i + 2];
                }

                var o = (horizontal ? (line * size) + pos : (pos * size) + line) * 3;
                dst[o] = r * norm;
                dst[o + 1] = g * norm;
                dst[o + 2] = b * norm;
            }
        }
    }

    private const int GaussianTableBits = 12;
    private const ulong Mask = (1UL << GaussianTableBits) - 1;

    /// <summary>A fixed table of standard normal draws; noise picks entries with random bits (much cheaper than Box-Muller per pixel).</summary>
    private static readonly float[] GaussianTable = BuildGaussianTable();

    private static float[] BuildGaussianTable()
    {
        var rng = new DemoRandom(0x5EED_6A55_1A4EUL);
        var table = new float[1 << GaussianTableBits];
        for (var i = 0; i < table.Length; i++) table[i] = (float)rng.Gaussian();
        return table;
    }

    /// <summary>Adds Gaussian sensor noise (same draw on the three channels plus a small chroma part) and rounds to bytes.</summary>
    public static byte[] AddNoiseAndQuantise(float[] rgb, double sigma, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        var rng = new DemoRandom(seed);
        var bytes = new byte[rgb.Length];
        for (var i = 0; i < rgb.Length; i += 3)
        {
            if (sigma <= 0)
            {
                for (var ch = 0; ch < 3; ch++) bytes[i + ch] = (byte)Math.Clamp(MathF.Round(rgb[i + ch]), 0, 255);
                continue;
            }

            // One 64-bit draw gives four 12-bit table indices: the grain and three chroma terms.
            var bits = rng.NextULong();
            var s = (float)sigma;
            var grain = GaussianTable[(int)(bits & Mask)] * s;
            for (var ch = 0; ch < 3; ch++)
            {
                var chroma = GaussianTable[(int)((bits >> (GaussianTableBits * (ch + 1))) & Mask)] * s * 0.3f;
                bytes[i + ch] = (byte)Math.Clamp(MathF.Round(rgb[i + ch] + grain + chroma), 0, 255);
            }
        }

        return bytes;
    }
}
