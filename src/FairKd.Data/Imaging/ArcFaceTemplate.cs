namespace FairKd.Data.Imaging;

/// <summary>
/// The ArcFace 5-point template (insightface <c>face_align.arcface_dst</c>) for a 112x112 crop, in the order left eye,
/// right eye, nose, left mouth corner, right mouth corner.
/// </summary>
public static class ArcFaceTemplate
{
    /// <summary>Side of the crop the template is defined for.</summary>
    public const int Size = 112;

    /// <summary>The template as interleaved x, y pairs for a 112x112 crop: the float32 values insightface stores
    /// (<c>np.float32</c>), widened to double, so estimates match its <c>estimate_norm</c> to rounding.</summary>
    public static ReadOnlySpan<double> Points112 =>
    [
        (double)38.2946f, (double)51.6963f,
        (double)73.5318f, (double)51.5014f,
        (double)56.0252f, (double)71.7366f,
        (double)41.5493f, (double)92.3655f,
        (double)70.7299f, (double)92.2041f,
    ];

    /// <summary>
    /// The template for an output side <paramref name="outputSize"/>, exactly as insightface's <c>estimate_norm</c> scales
    /// it: a multiple of 112 scales the points by <c>size / 112</c>; otherwise a multiple of 128 scales them by
    /// <c>size / 128</c> and shifts x by <c>8 * size / 128</c> (the 112 template centred in a 128 crop).
    /// Other sizes are not supported (insightface asserts the same).
    /// </summary>
    public static double[] ForSize(int outputSize)
    {
        double ratio, shiftX;
        if (outputSize > 0 && outputSize % 112 == 0)
        {
            ratio = outputSize / 112.0;
            shiftX = 0;
        }
        else if (outputSize > 0 && outputSize % 128 == 0)
        {
            ratio = outputSize / 128.0;
            shiftX = 8.0 * ratio;
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "output size must be a multiple of 112 or 128");
        }

        var points = Points112.ToArray();
        for (var i = 0; i < points.Length; i += 2)
        {
            points[i] = (points[i] * ratio) + shiftX;
            points[i + 1] *= ratio;
        }

        return points;
    }
}
