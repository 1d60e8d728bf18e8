namespace FairKd.Data.Imaging;

/// <summary>
/// Warps interleaved RGB bytes straight into the network input: planar CHW floats, RGB, <c>(x - 127.5) / 127.5</c>.
/// Sampling follows OpenCV's <c>warpAffine</c> with <c>INTER_LINEAR</c> and <c>BORDER_CONSTANT</c> 0, as insightface's
/// <c>norm_crop</c> uses it: pixel centres sit at integer coordinates, each output pixel (u, v) reads the source at the
/// inverse map of (u, v), bilinear over the 4 neighbours, and neighbours outside the image count as black (so a
/// sample wholly outside is -1 after normalisation). Interpolation is exact in float (OpenCV quantises the
/// coordinates to 1/32 pixel and rounds to bytes; differences are a fraction of a grey level).
/// The horizontal mirror is a row reversal: use <see cref="FairKd.Core.Tensors.Chw.FlipHorizontal"/>.
/// </summary>
public static class FaceWarp
{
    /// <summary>Writes the <paramref name="size"/> x <paramref name="size"/> crop that <paramref name="sourceToOutput"/>
    /// maps the source onto (the matrix of <see cref="SimilarityTransform"/>, as given to <c>cv2.warpAffine</c>).
    /// Returns false (writing nothing) when the matrix is not invertible.</summary>
    public static bool WarpToChw(ReadOnlySpan<byte> rgb, int width, int height, Affine2x3 sourceToOutput, int size, Span<float> chw)
    {
        CheckBuffers(rgb, width, height, size, chw);
        if (sourceToOutput.TryInvert() is not { } inverse) return false;
        var plane = size * size;
        var stride = width * 3;
        for (var v = 0; v < size; v++)
        {
            var rowX = (inverse.B * v) + inverse.C;
            var rowY = (inverse.E * v) + inverse.F;
            var outRow = v * size;
            for (var u = 0; u < size; u++)
            {
                var sx = (inverse.A * u) + rowX;
                var sy = (inverse.D * u) + rowY;
                var fx0 = Math.Floor(sx);
                var fy0 = Math.Floor(sy);
                var o = outRow + u;
                if (!(fx0 >= -1 && fx0 < width && fy0 >= -1 && fy0 < height))
                {
                    // Wholly outside (or NaN): the black border.
                    chw[o] = -1f;
                    chw[o + plane] = -1f;
                    chw[o + (2 * plane)] = -1f;
                    continue;
                }

                var x0 = (int)fx0;
                var y0 = (int)fy0;
                var wx = (float)(sx - fx0);
                var wy = (float)(sy - fy0);
                var w00 = (1 - wx) * (1 - wy);
                var w01 = wx * (1 - wy);
                var w10 = (1 - wx) * wy;
                var w11 = wx * wy;
                float r, g, b;
                if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height)
                {
                    var p = (y0 * stride) + (x0 * 3);
                    var q = p + stride;
                    r = (w00 * rgb[p]) + (w01 * rgb[p + 3]) + (w10 * rgb[q]) + (w11 * rgb[q + 3]);
                    g = (w00 * rgb[p + 1]) + (w01 * rgb[p + 4]) + (w10 * rgb[q + 1]) + (w11 * rgb[q + 4]);
                    b = (w00 * rgb[p + 2]) + (w01 * rgb[p + 5]) + (w10 * rgb[q + 2]) + (w11 * rgb[q + 5]);
                }
                else
                {
                    r = g = b = 0;
                    Accumulate(rgb, width, height, x0, y0, w00, ref r, ref g, ref b);
                    Accumulate(rgb, width, height, x0 + 1, y0, w01, ref r, ref g, ref b);
                    Accumulate(rgb, width, height, x0, y0 + 1, w10, ref r, ref g, ref b);
                    Accumulate(rgb, width, height, x0 + 1, y0 + 1, w11, ref r, ref g, ref b);
                }

                chw[o] = (r - 127.5f) / 127.5f;
                chw[o + plane] = (g - 127.5f) / 127.5f;
                chw[o + (2 * plane)] = (b - 127.5f) / 127.5f;
            }
        }

        return true;
    }

    /// <summary>Converts an image that already is <paramref name="size"/> x <paramref name="size"/> to normalised CHW (pass-through).</summary>
    public static void ToChw(ReadOnlySpan<byte> rgb, int size, Span<float> chw)
    {
        CheckBuffers(rgb, size, size, size, chw);
        var plane = size * size;
        for (var i = 0; i < plane; i++)
        {
            var p = i * 3;
            chw[i] = (rgb[p] - 127.5f) / 127.5f;
            chw[i + plane] = (rgb[p + 1] - 127.5f) / 127.5f;
            chw[i + (2 * plane)] = (rgb[p + 2] - 127.5f) / 127.5f;
        }
    }

    /// <summary>The map that takes the largest centred square of a <paramref name="width"/> x <paramref name="height"/>
    /// image onto a <paramref name="size"/> square (pixel-centre aligned, as <c>cv2.resize</c> with INTER_LINEAR).</summary>
    public static Affine2x3 CenterCropMap(int width, int height, int size)
    {
        var side = Math.Min(width, height);
        var ox = (width - side) / 2;
        var oy = (height - side) / 2;
        var k = (double)size / side;
        // output u = (x - ox + 0.5) * k - 0.5
        return new Affine2x3(k, 0, ((0.5 - ox) * k) - 0.5, 0, k, ((0.5 - oy) * k) - 0.5);
    }

    private static void Accumulate(ReadOnlySpan<byte> rgb, int width, int height, int x, int y, float w, ref float r, ref float g, ref float b)
    {
        if ((uint)x >= (uint)width || (uint)y >= (uint)height) return;
        var p = ((y * width) + x) * 3;
        r += w * rgb[p];
        g += w * rgb[p + 1];
        b += w * rgb[p + 2];
    }

    private static void CheckBuffers(ReadOnlySpan<byte> rgb, int width, int height, int size, Span<float> chw)
    {
        if (width <= 0 || height <= 0 || size <= 0) throw new ArgumentException($"bad dimensions {width}x{height} -> {size}");
        if (rgb.Length < width * height * 3) throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {width}x{height}x3 needed");
        if (chw.Length < 3 * size * size) throw new ArgumentException($"CHW buffer holds {chw.Length} floats, 3x{size}x{size} needed");
    }
}
