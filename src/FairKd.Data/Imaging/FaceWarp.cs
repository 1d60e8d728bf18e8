using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        // Hot path (every aligned face): buffer sizes were checked above, so pixels are read through refs, and a row
        // whose two end samples lie inside the image (the samples of a row are on a segment) skips per-pixel bounds.
        ref var src = ref MemoryMarshal.GetReference(rgb);
        ref var lut = ref MemoryMarshal.GetReference(Normalised);
        ref var red = ref MemoryMarshal.GetReference(chw);
        ref var green = ref Unsafe.Add(ref red, plane);
        ref var blue = ref Unsafe.Add(ref red, 2 * plane);
        var (maxX, maxY) = (width - 1, height - 1);
        for (var v = 0; v < size; v++)
        {
            var rowX = (inverse.B * v) + inverse.C;
            var rowY = (inverse.E * v) + inverse.F;
            var endX = (inverse.A * (size - 1)) + rowX;
            var endY = (inverse.D * (size - 1)) + rowY;
            var outRow = v * size;
            var inside = rowX >= 0 && rowX < maxX && rowY >= 0 && rowY < maxY && endX >= 0 && endX < maxX && endY >= 0 && endY < maxY;
            for (var u = 0; u < size; u++)
            {
                var sx = (inverse.A * u) + rowX;
                var sy = (inverse.D * u) + rowY;
                var o = outRow + u;
                float r, g, b;
                if (inside)
                {
                    // Both coordinates are non-negative here, so truncation is floor.
                    var x0 = (int)sx;
                    var y0 = (int)sy;
                    var wx = (float)(sx - x0);
                    var wy = (float)(sy - y0);
                    ref var p = ref Unsafe.Add(ref src, (y0 * stride) + (x0 * 3));
                    ref var q = ref Unsafe.Add(ref p, stride);
                    // Bilinear blend of normalised values (the weights sum to 1, so this is the normalised blend).
                    var top = 1 - wy;
                    var (w00, w01, w10, w11) = ((1 - wx) * top, wx * top, (1 - wx) * wy, wx * wy);
                    r = (w00 * Unsafe.Add(ref lut, p)) + (w01 * Unsafe.Add(ref lut, Unsafe.Add(ref p, 3)))
                        + (w10 * Unsafe.Add(ref lut, q)) + (w11 * Unsafe.Add(ref lut, Unsafe.Add(ref q, 3)));
                    g = (w00 * Unsafe.Add(ref lut, Unsafe.Add(ref p, 1))) + (w01 * Unsafe.Add(ref lut, Unsafe.Add(ref p, 4)))
                        + (w10 * Unsafe.Add(ref lut, Unsafe.Add(ref q, 1))) + (w11 * Unsafe.Add(ref lut, Unsafe.Add(ref q, 4)));
                    b = (w00 * Unsafe.Add(ref lut, Unsafe.Add(ref p, 2))) + (w01 * Unsafe.Add(ref lut, Unsafe.Add(ref p, 5)))
                        + (w10 * Unsafe.Add(ref lut, Unsafe.Add(ref q, 2))) + (w11 * Unsafe.Add(ref lut, Unsafe.Add(ref q, 5)));
                }
                else
                {
                    SampleEdge(rgb, width, height, sx, sy, out r, out g, out b);
                }

                Unsafe.Add(ref red, o) = r;
                Unsafe.Add(ref green, o) = g;
                Unsafe.Add(ref blue, o) = b;
            }
        }

        return true;
    }

    /// <summary><c>(x - 127.5) / 127.5</c> for every byte value: the exact pass-through values.</summary>
    private static ReadOnlySpan<float> Normalised => NormalisedTable;

    private static readonly float[] NormalisedTable = Enumerable.Range(0, 256).Select(x => (x - 127.5f) / 127.5f).ToArray();

    /// <summary>A sample near or beyond the border (bounds-checked): neighbours outside are black, i.e. -1 normalised.</summary>
    private static void SampleEdge(ReadOnlySpan<byte> rgb, int width, int height, double sx, double sy, out float r, out float g, out float b)
    {
        var fx0 = Math.Floor(sx);
        var fy0 = Math.Floor(sy);
        if (!(fx0 >= -1 && fx0 < width && fy0 >= -1 && fy0 < height))
        {
            // Wholly outside (or NaN): the black border.
            r = g = b = -1f;
            return;
        }

        var x0 = (int)fx0;
        var y0 = (int)fy0;
        var wx = (float)(sx - fx0);
        var wy = (float)(sy - fy0);
        r = g = b = 0;
        Accumulate(rgb, width, height, x0, y0, (1 - wx) * (1 - wy), ref r, ref g, ref b);
        Accumulate(rgb, width, height, x0 + 1, y0, wx * (1 - wy), ref r, ref g, ref b);
        Accumulate(rgb, width, height, x0, y0 + 1, (1 - wx) * wy, ref r, ref g, ref b);
        Accumulate(rgb, width, height, x0 + 1, y0 + 1, wx * wy, ref r, ref g, ref b);
    }

    /// <summary>Converts an image that already is <paramref name="size"/> x <paramref name="size"/> to normalised CHW (pass-through).</summary>
    public static void ToChw(ReadOnlySpan<byte> rgb, int size, Span<float> chw)
    {
        CheckBuffers(rgb, size, size, size, chw);
        var plane = size * size;
        for (var i = 0; i < plane; i++)
        {
            var p = i * 3;
            chw[i] = Normalised[rgb[p]];
            chw[i + plane] = Normalised[rgb[p + 1]];
            chw[i + (2 * plane)] = Normalised[rgb[p + 2]];
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
        if ((uint)x >= (uint)width || (uint)y >= (uint)height)
        {
            r -= w;
            g -= w;
            b -= w;
            return;
        }

        var p = ((y * width) + x) * 3;
        r += w * Normalised[rgb[p]];
        g += w * Normalised[rgb[p + 1]];
        b += w * Normalised[rgb[p + 2]];
    }

    private static void CheckBuffers(ReadOnlySpan<byte> rgb, int width, int height, int size, Span<float> chw)
    {
        if (width <= 0 || height <= 0 || size <= 0) throw new ArgumentException($"bad dimensions {width}x{height} -> {size}");
        if (rgb.Length < width * height * 3) throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {width}x{height}x3 needed");
        if (chw.Length < 3 * size * size) throw new ArgumentException($"CHW buffer holds {chw.Length} floats, 3x{size}x{size} needed");
    }
}
