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

    /// <summary>Cosine similarity of two vectors of one length, accumulated in float64 (1 for two zero vectors, 0 when
    /// only one is zero).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}", nameof(b));
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return na == 0 && nb == 0 ? 1 : na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
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
