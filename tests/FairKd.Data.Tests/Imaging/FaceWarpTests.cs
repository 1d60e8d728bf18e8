using System.Numerics;
using FairKd.Data.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace FairKd.Data.Tests.Imaging;

public sealed class FaceWarpTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static float Norm(byte v) => (v - 127.5f) / 127.5f;

    private static float Grey(float normalised) => (normalised * 127.5f) + 127.5f;

    [Theory]
    [InlineData(20.0, 1.3, 10.0, -5.0)]
    [InlineData(-35.0, 1.05, -20.0, 15.0)]
    [InlineData(0.0, 1.0, 3.25, -2.75)]
    public void Matches_imagesharp_affine_transform_with_bilinear_sampling(double degrees, double scale, double tx, double ty)
    {
        const int size = 112;
        using var source = TestImages.Texture(100, 90, seed: 3);
        var t = degrees * Math.PI / 180;
        // Rotate and scale about the source centre, centre it in the output, then shift.
        var rotScale = new Affine2x3(scale * Math.Cos(t), -scale * Math.Sin(t), 0, scale * Math.Sin(t), scale * Math.Cos(t), 0);
        var toCentre = new Affine2x3(1, 0, -50, 0, 1, -45);
        var fromCentre = new Affine2x3(1, 0, 56 + tx, 0, 1, 56 + ty);
        var map = Affine2x3.Compose(Affine2x3.Compose(toCentre, rotScale), fromCentre);

        var chw = new float[3 * size * size];
        Assert.True(FaceWarp.WarpToChw(TestImages.Rgb(source), 100, 90, map, size, chw));

        // System.Numerics uses row vectors: (x, y, 1) * M, so M11 = A, M21 = B, M31 = C, M12 = D, M22 = E, M32 = F.
        var matrix = new Matrix3x2((float)map.A, (float)map.D, (float)map.B, (float)map.E, (float)map.C, (float)map.F);
        using var expected = source.Clone(c => c.Transform(new Rectangle(0, 0, 100, 90), matrix, new Size(size, size), KnownResamplers.Triangle));

        var inverse = map.TryInvert()!.Value;
        double total = 0;
        var count = 0;
        for (var v = 0; v < size; v++)
        {
            for (var u = 0; u < size; u++)
            {
                var (sx, sy) = inverse.Apply(u, v);
                if (sx < 1 || sy < 1 || sx > 98 || sy > 88) continue; // interior only: borders differ by design
                var p = expected[u, v];
                var i = (v * size) + u;
                total += Math.Abs(Grey(chw[i]) - p.R) + Math.Abs(Grey(chw[i + (size * size)]) - p.G) + Math.Abs(Grey(chw[i + (2 * size * size)]) - p.B);
                count += 3;
            }
        }

        Assert.True(count > 3 * 3000, $"too few interior pixels ({count / 3})");
        var mean = total / count;
        output.WriteLine($"rotation {degrees} scale {scale}: mean abs difference {mean:F3} grey levels over {count / 3} interior pixels");
        Assert.True(mean < 0.5, $"mean abs difference {mean:F3} grey levels");
    }

    [Fact]
    public void Pass_through_is_the_exact_normalisation()
    {
        using var image = TestImages.Texture(112, 112);
        var rgb = TestImages.Rgb(image);
        var chw = new float[3 * 112 * 112];
        FaceWarp.ToChw(rgb, 112, chw);
        Assert.Equal(Norm(rgb[0]), chw[0]);
        Assert.Equal(Norm(rgb[1]), chw[112 * 112]);
        Assert.Equal(Norm(rgb[(((5 * 112) + 7) * 3) + 2]), chw[(2 * 112 * 112) + (5 * 112) + 7]);
        Assert.Equal(-1f, Norm(0));
        Assert.Equal(1f, Norm(255));

        // The identity warp reproduces the pass-through exactly, including the last row and column.
        var warped = new float[chw.Length];
        Assert.True(FaceWarp.WarpToChw(rgb, 112, 112, Affine2x3.Identity, 112, warped));
        Assert.Equal(chw, warped);
    }

    [Fact]
    public void Integer_translation_shifts_pixels_and_fills_black()
    {
        using var image = TestImages.Texture(30, 20);
        var rgb = TestImages.Rgb(image);
        const int size = 112;
        var chw = new float[3 * size * size];
        // Source (x, y) lands at (x + 40, y + 50): output (u, v) reads source (u - 40, v - 50).
        FaceWarp.WarpToChw(rgb, 30, 20, new Affine2x3(1, 0, 40, 0, 1, 50), size, chw);
        for (var v = 0; v < size; v++)
        {
            for (var u = 0; u < size; u++)
            {
                var (x, y) = (u - 40, v - 50);
                var inside = x >= 0 && x < 30 && y >= 0 && y < 20;
                for (var c = 0; c < 3; c++)
                {
                    var expected = inside ? Norm(rgb[(((y * 30) + x) * 3) + c]) : -1f;
                    Assert.Equal(expected, chw[(c * size * size) + (v * size) + u]);
                }
            }
        }
    }

    [Fact]
    public void Half_pixel_shift_blends_with_the_black_border_like_opencv()
    {
        // A uniform white 4x4 image shifted by half a pixel: the first output column averages white with the
        // outside (black): 127.5 grey, i.e. 0 after normalisation.
        var rgb = Enumerable.Repeat((byte)255, 4 * 4 * 3).ToArray();
        const int size = 112;
        var chw = new float[3 * size * size];
        FaceWarp.WarpToChw(rgb, 4, 4, new Affine2x3(1, 0, 0.5, 0, 1, 0), size, chw);
        Assert.Equal(0f, chw[(1 * size) + 0], 5);  // u = 0 reads x = -0.5
        Assert.Equal(1f, chw[(1 * size) + 1], 5);  // u = 1 reads x = 0.5
        Assert.Equal(0f, chw[(1 * size) + 4], 5);  // u = 4 reads x = 3.5
        Assert.Equal(-1f, chw[(1 * size) + 5], 5); // u = 5 reads x = 4.5: wholly outside
    }

    [Fact]
    public void Center_crop_takes_the_middle_square_and_resizes()
    {
        // 300x224 image: the middle 224x224 square (x from 38), halved to 112: each output pixel averages a 2x2 block.
        using var image = TestImages.Texture(300, 224);
        var rgb = TestImages.Rgb(image);
        const int size = 112;
        var chw = new float[3 * size * size];
        FaceWarp.WarpToChw(rgb, 300, 224, FaceWarp.CenterCropMap(300, 224, size), size, chw);
        foreach (var (u, v) in new[] { (0, 0), (111, 111), (57, 13), (3, 100) })
        {
            for (var c = 0; c < 3; c++)
            {
                var (x, y) = (38 + (2 * u), 2 * v);
                var block = (rgb[(((y * 300) + x) * 3) + c] + rgb[(((y * 300) + x + 1) * 3) + c]
                    + rgb[((((y + 1) * 300) + x) * 3) + c] + rgb[((((y + 1) * 300) + x + 1) * 3) + c]) / 4f;
                Assert.Equal((block - 127.5f) / 127.5f, chw[(c * size * size) + (v * size) + u], 5);
            }
        }
    }

    [Fact]
    public void Singular_map_is_refused_and_bad_buffers_throw()
    {
        var chw = new float[3 * 112 * 112];
        Assert.False(FaceWarp.WarpToChw(new byte[12], 2, 2, new Affine2x3(0, 0, 0, 0, 0, 0), 112, chw));
        Assert.Throws<ArgumentException>(() => FaceWarp.WarpToChw(new byte[11], 2, 2, Affine2x3.Identity, 112, chw));
        Assert.Throws<ArgumentException>(() => FaceWarp.ToChw(new byte[12], 112, chw));
    }
}
