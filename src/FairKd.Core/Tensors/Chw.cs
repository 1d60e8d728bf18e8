namespace FairKd.Core.Tensors;

/// <summary>Small helpers on CHW float images and embedding vectors (no dependencies).</summary>
public static class Chw
{
    /// <summary>Writes the horizontal mirror of a CHW image into <paramref name="destination"/>.</summary>
    public static void FlipHorizontal(ReadOnlySpan<float> source, Span<float> destination, int channels, int height, int width)
    {
        if (source.Length < channels * height * width || destination.Length < source.Length)
            throw new ArgumentException("buffer smaller than channels x height x width");
        for (var row = 0; row < channels * height; row++)
        {
            var src = source.Slice(row * width, width);
            var dst = destination.Slice(row * width, width);
            for (var x = 0; x < width; x++) dst[x] = src[width - 1 - x];
        }
    }

    /// <summary>L2 norm of a vector (double accumulation).</summary>
    public static float Norm(ReadOnlySpan<float> v)
    {
        double sum = 0;
        foreach (var x in v) sum += (double)x * x;
        return (float)Math.Sqrt(sum);
    }

    /// <summary>Writes v / max(|v|, eps) into <paramref name="destination"/> and returns |v|.</summary>
    public static float L2Normalise(ReadOnlySpan<float> v, Span<float> destination, float eps = 1e-12f)
    {
        var norm = Norm(v);
        var inv = 1f / Math.Max(norm, eps);
        for (var i = 0; i < v.Length; i++) destination[i] = v[i] * inv;
        return norm;
    }

    /// <summary>True when every value is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> v)
    {
        foreach (var x in v)
            if (!float.IsFinite(x)) return false;
        return true;
    }
}
