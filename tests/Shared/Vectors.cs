namespace FairKd.Tests.Shared;

/// <summary>Vector checks the tests share, computed in float64.</summary>
internal static class Vectors
{
    /// <summary>Cosine similarity of <paramref name="a"/> and <paramref name="b"/> (<see cref="FairKd.Core.Tensors.Chw.Cosine"/>).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => FairKd.Core.Tensors.Chw.Cosine(a, b);
}
