using FairKd.Data.Demo;
using Xunit.Abstractions;

namespace FairKd.Data.Tests.Demo;

/// <summary>The rendered landmarks: near the ArcFace template when aligned, and on the drawn features when unaligned.</summary>
public class LandmarkGeometryTests(ITestOutputHelper output)
{
    private static readonly double[] Template =
        [38.2946, 51.6963, 73.5318, 51.5014, 56.0252, 71.7366, 41.5493, 92.3655, 70.7299, 92.2041];

    [Fact]
    public void Aligned_renders_put_landmarks_near_the_arcface_template()
    {
        double worst = 0, sum = 0;
        var count = 0;
        for (var i = 0; i < 200; i++)
        {
            var face = Render(i, FacePlacement.Aligned);
            for (var k = 0; k < 5; k++)
            {
                var d = Math.Sqrt(Math.Pow(face.Landmarks[2 * k] - Template[2 * k], 2) + Math.Pow(face.Landmarks[(2 * k) + 1] - Template[(2 * k) + 1], 2));
                worst = Math.Max(worst, d);
                sum += d;
                count++;
            }
        }

        output.WriteLine($"distance to template: mean {sum / count:F2} px, worst {worst:F2} px");
        Assert.True(sum / count < 4.5, $"mean landmark offset {sum / count:F2} px");
        Assert.True(worst < 18, $"worst landmark offset {worst:F2} px");
    }

    [Fact]
    public void Unaligned_landmarks_sit_on_the_drawn_eyes()
    {
        var darker = 0;
        const int Faces = 100;
        for (var i = 0; i < Faces; i++)
        {
            var placement = FacePlacement.Loose(DemoRandom.For(3, "placement", i), 160, 0.45, 0.75, 0.4, 0.15);
            var face = Render(i, placement);
            var l = face.Landmarks;
            // Cheek: a third of the inter-ocular distance below each eye, perpendicular to the eye line.
            var ex = l[2] - l[0];
            var ey = l[3] - l[1];
            for (var e = 0; e < 2; e++)
            {
                var eye = Luma(face, l[2 * e], l[(2 * e) + 1]);
                var cheek = Luma(face, l[2 * e] - (0.35f * ey), l[(2 * e) + 1] + (0.35f * ex));
                if (eye < cheek) darker++;
            }
        }

        output.WriteLine($"eye landmark darker than the cheek below it: {darker}/{2 * Faces}");
        Assert.True(darker > 0.9 * 2 * Faces, $"eye landmarks do not sit on dark irises ({darker}/{2 * Faces})");
    }

    private static RenderedFace Render(int i, FacePlacement placement)
    {
        var rng = DemoRandom.For(3, "landmarks", i);
        var identity = GroupProfiles.Sample(i % 4, rng);
        return FaceRenderer.Render(identity, FaceNuisance.Sample(rng, 1), placement, ImageStyle.Real);
    }

    /// <summary>Mean luminance of the 3x3 pixels around (x, y).</summary>
    private static double Luma(RenderedFace face, float x, float y)
    {
        double sum = 0;
        var cx = (int)MathF.Round(x);
        var cy = (int)MathF.Round(y);
        for (var dy = -1; dy <= 1; dy++)
            for (var dx = -1; dx <= 1; dx++)
            {
                var px = Math.Clamp(cx + dx, 0, face.Size - 1);
                var py = Math.Clamp(cy + dy, 0, face.Size - 1);
                var i = ((py * face.Size) + px) * 3;
                sum += (0.299 * face.Pixels[i]) + (0.587 * face.Pixels[i + 1]) + (0.114 * face.Pixels[i + 2]);
            }

        return sum / 9;
    }
}
