namespace FairKd.Data.Imaging;

/// <summary>Outcome of <see cref="SimilarityTransform.Estimate"/>: a matrix, or a failure reason (<c>landmarks: degenerate (...)</c>).</summary>
public readonly record struct SimilarityFit(Affine2x3 Matrix, string? Failure)
{
    /// <summary>True when the landmarks gave a usable transform (<see cref="Matrix"/> is valid).</summary>
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Least-squares similarity transform (rotation, uniform scale, translation) between point sets: Umeyama's method with
/// the reflection correction, the result skimage's <c>SimilarityTransform.estimate</c> gives (used by insightface's
/// <c>norm_crop</c>). In 2D the reflection-corrected Umeyama optimum has a closed form: with centred points s, d,
/// <c>a = sum(s . d) / sum|s|^2</c>, <c>b = sum(s x d) / sum|s|^2</c>, linear part <c>[[a, -b], [b, a]]</c> (a proper
/// rotation times a scale), translation <c>mean(d) - R mean(s)</c>. Mirrored point sets therefore get the best
/// rotation, never a reflection.
/// </summary>
public static class SimilarityTransform
{
    /// <summary>Points whose minor-to-major spread ratio is below this are collinear (a face never is).</summary>
    public const double CollinearityRatio = 0.01;

    /// <summary>Two points closer than this fraction of the RMS spread coincide.</summary>
    public const double CoincidenceFraction = 1e-3;

    /// <summary>
    /// Estimates the map taking <paramref name="source"/> points onto <paramref name="destination"/> points
    /// (interleaved x, y; same count, at least 2 points). Degenerate source points (non-finite, all or two coincident,
    /// collinear) and a zero or non-finite scale fail with <c>landmarks: degenerate (...)</c>. Never throws for
    /// bad coordinates; throws <see cref="ArgumentException"/> only for mismatched lengths.
    /// </summary>
    public static SimilarityFit Estimate(ReadOnlySpan<double> source, ReadOnlySpan<double> destination)
    {
        if (source.Length != destination.Length || source.Length % 2 != 0 || source.Length < 4)
            throw new ArgumentException($"need two equal, even-length coordinate lists of at least 2 points (got {source.Length} and {destination.Length})");
        var n = source.Length / 2;
        for (var i = 0; i < source.Length; i++)
        {
            if (!double.IsFinite(source[i])) return Fail("non-finite coordinate");
            if (!double.IsFinite(destination[i])) return Fail("non-finite template coordinate");
        }

        double smx = 0, smy = 0, dmx = 0, dmy = 0;
        for (var i = 0; i < n; i++)
        {
            smx += source[2 * i];
            smy += source[(2 * i) + 1];
            dmx += destination[2 * i];
            dmy += destination[(2 * i) + 1];
        }

        smx /= n;
        smy /= n;
        dmx /= n;
        dmy /= n;

        double sxx = 0, syy = 0, sxy = 0, dot = 0, cross = 0;
        for (var i = 0; i < n; i++)
        {
            var sx = source[2 * i] - smx;
            var sy = source[(2 * i) + 1] - smy;
            var dx = destination[2 * i] - dmx;
            var dy = destination[(2 * i) + 1] - dmy;
            sxx += sx * sx;
            syy += sy * sy;
            sxy += sx * sy;
            dot += (sx * dx) + (sy * dy);
            cross += (sx * dy) - (sy * dx);
        }

        var variance = sxx + syy;
        var spread = Math.Sqrt(variance / n);
        if (!(spread > 0)) return Fail("all points coincide");
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var ddx = source[2 * i] - source[2 * j];
                var ddy = source[(2 * i) + 1] - source[(2 * j) + 1];
                if (Math.Sqrt((ddx * ddx) + (ddy * ddy)) < CoincidenceFraction * spread)
                    return Fail($"points {i + 1} and {j + 1} coincide");
            }
        }

        if (n > 2)
        {
            // Eigenvalues of the 2x2 scatter matrix: their ratio says how far the points are from a line.
            var half = (sxx + syy) / 2;
            var root = Math.Sqrt((((sxx - syy) / 2) * ((sxx - syy) / 2)) + (sxy * sxy));
            var major = half + root;
            var minor = Math.Max(0, half - root);
            if (Math.Sqrt(minor / major) < CollinearityRatio) return Fail("points are collinear");
        }

        var a = dot / variance;
        var b = cross / variance;
        var scale = Math.Sqrt((a * a) + (b * b));
        if (!double.IsFinite(scale) || scale < 1e-12) return Fail("zero scale");

        var tx = dmx - ((a * smx) - (b * smy));
        var ty = dmy - ((b * smx) + (a * smy));
        return new SimilarityFit(new Affine2x3(a, -b, tx, b, a, ty), null);
    }

    /// <summary>The map from 5 detected landmarks onto the ArcFace template for <paramref name="outputSize"/>.</summary>
    public static SimilarityFit ToArcFace(ReadOnlySpan<float> landmarks, int outputSize = ArcFaceTemplate.Size) =>
        ToTemplate(landmarks, ArcFaceTemplate.ForSize(outputSize));

    /// <summary>The map from 5 detected landmarks (10 floats) onto a 5-point <paramref name="template"/> (10 doubles).</summary>
    public static SimilarityFit ToTemplate(ReadOnlySpan<float> landmarks, ReadOnlySpan<double> template)
    {
        if (landmarks.Length != 10) throw new ArgumentException($"expected 10 landmark coordinates (5 x,y points), got {landmarks.Length}", nameof(landmarks));
        Span<double> source = stackalloc double[10];
        for (var i = 0; i < landmarks.Length; i++) source[i] = landmarks[i];
        return Estimate(source, template);
    }

    private static SimilarityFit Fail(string why) => new(default, $"landmarks: degenerate ({why})");
}
