using CsCheck;
using FairKd.Data.Imaging;

namespace FairKd.Data.Tests.Imaging;

public sealed class SimilarityTransformTests
{
    private static double[] Template => ArcFaceTemplate.Points112.ToArray();

    private static double[] Map(double[] points, Func<double, double, (double, double)> f)
    {
        var result = new double[points.Length];
        for (var i = 0; i < points.Length; i += 2) (result[i], result[i + 1]) = f(points[i], points[i + 1]);
        return result;
    }

    private static void AssertMatrix(Affine2x3 expected, Affine2x3 actual, double tolerance = 1e-9) =>
        Assert.True(expected.MaxAbsDifference(actual) <= tolerance, $"expected {expected}, got {actual}");

    [Fact]
    public void Template_onto_itself_is_the_identity()
    {
        var fit = SimilarityTransform.Estimate(Template, Template);
        Assert.True(fit.Succeeded, fit.Failure);
        AssertMatrix(Affine2x3.Identity, fit.Matrix);
    }

    [Fact]
    public void Pure_scale_is_inverted_exactly()
    {
        var scaled = Map(Template, (x, y) => (2.5 * x, 2.5 * y));
        AssertMatrix(new Affine2x3(0.4, 0, 0, 0, 0.4, 0), SimilarityTransform.Estimate(scaled, Template).Matrix);
    }

    [Fact]
    public void Pure_translation_is_inverted_exactly()
    {
        var moved = Map(Template, (x, y) => (x + 17.25, y - 4.5));
        AssertMatrix(new Affine2x3(1, 0, -17.25, 0, 1, 4.5), SimilarityTransform.Estimate(moved, Template).Matrix);
    }

    [Fact]
    public void Pure_rotation_is_inverted_exactly()
    {
        // Rotation by 30 degrees about the origin: the estimate must rotate by -30 degrees, no translation.
        var (c, s) = (Math.Sqrt(3) / 2, 0.5);
        var rotated = Map(Template, (x, y) => ((c * x) - (s * y), (s * x) + (c * y)));
        AssertMatrix(new Affine2x3(c, s, 0, -s, c, 0), SimilarityTransform.Estimate(rotated, Template).Matrix);
    }

    [Fact]
    public void Any_similarity_is_inverted_exactly() =>
        Gen.Select(Gen.Double[-3.1, 3.1], Gen.Double[0.05, 20], Gen.Double[-500, 500], Gen.Double[-500, 500])
            .Sample((theta, scale, tx, ty) =>
            {
                var forward = new Affine2x3(scale * Math.Cos(theta), -scale * Math.Sin(theta), tx, scale * Math.Sin(theta), scale * Math.Cos(theta), ty);
                var moved = Map(Template, forward.Apply);
                var fit = SimilarityTransform.Estimate(moved, Template);
                return fit.Succeeded && fit.Matrix.MaxAbsDifference(forward.TryInvert()!.Value) < 1e-8;
            }, iter: 200, seed: "0F1k3Cq8mGz1");

    [Fact]
    public void Mirrored_points_get_the_best_proper_rotation_not_a_reflection()
    {
        // The template mirrored left-right (x -> 112 - x) with the point order kept: a reflection fits exactly,
        // but the reflection-corrected estimate must be a rotation + scale (positive determinant) ...
        var mirrored = Map(Template, (x, y) => (112 - x, y));
        var fit = SimilarityTransform.Estimate(mirrored, Template);
        Assert.True(fit.Succeeded, fit.Failure);
        var m = fit.Matrix;
        Assert.True(m.Determinant > 0);
        Assert.Equal(m.A, m.E, 12);
        Assert.Equal(m.B, -m.D, 12);

        // ... and the least-squares best one among all rotations and scales: search every angle (0.01 degree steps)
        // with its optimal scale and translation, and compare residuals.
        var best = double.MaxValue;
        for (var step = 0; step < 36000; step++)
        {
            var t = step * Math.PI / 18000;
            best = Math.Min(best, BestResidualAtAngle(mirrored, Template, t));
        }

        var residual = Residual(m, mirrored, Template);
        Assert.True(residual <= best + 1e-9, $"estimate residual {residual} worse than grid optimum {best}");
        Assert.True(best - residual < 1e-3, "grid search should come close to the optimum");
    }

    [Theory]
    [InlineData("all points coincide", new[] { 5f, 5f, 5f, 5f, 5f, 5f, 5f, 5f, 5f, 5f })]
    [InlineData("points 1 and 2 coincide", new[] { 30f, 50f, 30f, 50f, 56f, 72f, 41f, 92f, 70f, 92f })]
    [InlineData("points are collinear", new[] { 10f, 10f, 20f, 20f, 30f, 30f, 40f, 40f, 50f, 50f })]
    [InlineData("points are collinear", new[] { 10f, 50f, 20f, 50f, 30f, 50f, 40f, 50.01f, 50f, 50f })]
    [InlineData("non-finite coordinate", new[] { float.NaN, 50f, 70f, 50f, 56f, 72f, 41f, 92f, 70f, 92f })]
    [InlineData("non-finite coordinate", new[] { 38f, 50f, 70f, float.PositiveInfinity, 56f, 72f, 41f, 92f, 70f, 92f })]
    public void Degenerate_landmarks_fail_with_a_reason(string why, float[] landmarks)
    {
        var fit = SimilarityTransform.ToArcFace(landmarks);
        Assert.False(fit.Succeeded);
        Assert.Equal($"landmarks: degenerate ({why})", fit.Failure);
    }

    [Fact]
    public void Zero_scale_fails()
    {
        var collapsed = Map(Template, (_, _) => (56, 56));
        Assert.Equal("landmarks: degenerate (zero scale)", SimilarityTransform.Estimate(Template, collapsed).Failure);
    }

    [Fact]
    public void Real_face_like_points_are_not_called_collinear()
    {
        // A strongly turned face (profile-ish): eyes close together, mouth corners close together.
        float[] profile = [60, 50, 68, 50, 80, 70, 62, 90, 69, 90];
        Assert.True(SimilarityTransform.ToArcFace(profile).Succeeded);
    }

    [Theory]
    [InlineData(112, 1.0, 0.0)]
    [InlineData(224, 2.0, 0.0)]
    [InlineData(128, 1.0, 8.0)]
    [InlineData(256, 2.0, 16.0)]
    public void Template_scales_as_insightface_estimate_norm(int size, double ratio, double shift)
    {
        var points = ArcFaceTemplate.ForSize(size);
        for (var i = 0; i < 10; i += 2)
        {
            Assert.Equal((ArcFaceTemplate.Points112[i] * ratio) + shift, points[i], 12);
            Assert.Equal(ArcFaceTemplate.Points112[i + 1] * ratio, points[i + 1], 12);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => ArcFaceTemplate.ForSize(100));
    }

    [Fact]
    public void Affine_inverse_and_compose_agree()
    {
        var m = new Affine2x3(1.2, -0.3, 5, 0.3, 1.2, -7);
        var round = Affine2x3.Compose(m, m.TryInvert()!.Value);
        AssertMatrix(Affine2x3.Identity, round, 1e-12);
        Assert.Null(new Affine2x3(1, 2, 0, 2, 4, 0).TryInvert());
    }

    private static double Residual(Affine2x3 m, double[] src, double[] dst)
    {
        double sum = 0;
        for (var i = 0; i < src.Length; i += 2)
        {
            var (x, y) = m.Apply(src[i], src[i + 1]);
            sum += ((x - dst[i]) * (x - dst[i])) + ((y - dst[i + 1]) * (y - dst[i + 1]));
        }

        return sum;
    }

    private static double BestResidualAtAngle(double[] src, double[] dst, double theta)
    {
        // For a fixed rotation R, the best scale is sum(d . R s) / sum|s|^2 over centred points (clamped at >= 0).
        var n = src.Length / 2;
        double smx = 0, smy = 0, dmx = 0, dmy = 0;
        for (var i = 0; i < n; i++)
        {
            smx += src[2 * i] / n;
            smy += src[(2 * i) + 1] / n;
            dmx += dst[2 * i] / n;
            dmy += dst[(2 * i) + 1] / n;
        }

        var (c, s) = (Math.Cos(theta), Math.Sin(theta));
        double num = 0, den = 0;
        for (var i = 0; i < n; i++)
        {
            var (x, y) = (src[2 * i] - smx, src[(2 * i) + 1] - smy);
            var (rx, ry) = ((c * x) - (s * y), (s * x) + (c * y));
            num += (rx * (dst[2 * i] - dmx)) + (ry * (dst[(2 * i) + 1] - dmy));
            den += (x * x) + (y * y);
        }

        var k = Math.Max(0, num / den);
        var m = new Affine2x3(k * c, -k * s, 0, k * s, k * c, 0);
        var (tx, ty) = m.Apply(smx, smy);
        return Residual(m with { C = dmx - tx, F = dmy - ty }, src, dst);
    }
}
