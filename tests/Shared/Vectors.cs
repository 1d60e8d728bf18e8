namespace FairKd.Tests.Shared;

/// <summary>Vector checks the tests share, computed in float64.</summary>
internal static class Vectors
{
    /// <summary>Cosine similarity of <paramref name="a"/> and <paramref name="b"/>.</summary>
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

        return dot / Math.Sqrt(na * nb);
    }
}
