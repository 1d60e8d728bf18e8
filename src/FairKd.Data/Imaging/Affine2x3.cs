namespace FairKd.Data.Imaging;

/// <summary>
/// A 2x3 affine matrix mapping <c>(x, y)</c> to <c>(A x + B y + C, D x + E y + F)</c>: the top two rows of a 3x3
/// homogeneous matrix, as OpenCV's <c>warpAffine</c> and skimage's <c>params[0:2]</c> hold it.
/// </summary>
public readonly record struct Affine2x3(double A, double B, double C, double D, double E, double F)
{
    /// <summary>The identity map.</summary>
    public static Affine2x3 Identity => new(1, 0, 0, 0, 1, 0);

    /// <summary>Determinant of the linear part.</summary>
    public double Determinant => (A * E) - (B * D);

    /// <summary>Applies the map to a point.</summary>
    public (double X, double Y) Apply(double x, double y) => ((A * x) + (B * y) + C, (D * x) + (E * y) + F);

    /// <summary>The inverse map, or null when the linear part is singular (or not finite).</summary>
    public Affine2x3? TryInvert()
    {
        var det = Determinant;
        if (!double.IsFinite(det) || Math.Abs(det) < 1e-300) return null;
        var ia = E / det;
        var ib = -B / det;
        var id = -D / det;
        var ie = A / det;
        return new Affine2x3(ia, ib, -((ia * C) + (ib * F)), id, ie, -((id * C) + (ie * F)));
    }

    /// <summary>The map that applies <paramref name="first"/> then <paramref name="then"/>.</summary>
    public static Affine2x3 Compose(Affine2x3 first, Affine2x3 then) => new(
        (then.A * first.A) + (then.B * first.D),
        (then.A * first.B) + (then.B * first.E),
        (then.A * first.C) + (then.B * first.F) + then.C,
        (then.D * first.A) + (then.E * first.D),
        (then.D * first.B) + (then.E * first.E),
        (then.D * first.C) + (then.E * first.F) + then.F);

    /// <summary>The six numbers row-major: <c>[A, B, C, D, E, F]</c>.</summary>
    public double[] ToArray() => [A, B, C, D, E, F];

    /// <summary>Largest absolute element-wise difference to <paramref name="other"/>.</summary>
    public double MaxAbsDifference(Affine2x3 other) => new[]
    {
        Math.Abs(A - other.A), Math.Abs(B - other.B), Math.Abs(C - other.C),
        Math.Abs(D - other.D), Math.Abs(E - other.E), Math.Abs(F - other.F),
    }.Max();
}
