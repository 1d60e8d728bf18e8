namespace FairKd.Data.Demo;

/// <summary>
/// Where the canonical 112x112 face lands in an output image: the canonical pivot (56, 60) is mapped to
/// (<see cref="CenterX"/>, <see cref="CenterY"/>) with the given scale and rotation (before the image's own
/// nuisance pose). Aligned crops use <see cref="Aligned"/>; unaligned crops draw a random placement.
/// </summary>
internal sealed record FacePlacement(int Size, double Scale, double Rotation, double CenterX, double CenterY)
{
    public const double PivotX = 56;
    public const double PivotY = 60;

    /// <summary>An aligned 112x112 crop: landmarks near the ArcFace template, up to the nuisance pose.</summary>
    public static FacePlacement Aligned { get; } = new(112, 1, 0, PivotX, PivotY);

    /// <summary>
    /// A loose, unaligned crop of <paramref name="size"/> pixels: the face covers a random fraction of the image,
    /// is rotated up to <paramref name="maxRotation"/> radians and moved off-centre by up to
    /// <paramref name="maxOffset"/> of the size while staying inside the frame.
    /// </summary>
    public static FacePlacement Loose(DemoRandom rng, int size, double minFaceFraction, double maxFaceFraction, double maxRotation,
        double maxOffset)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var scale = size / 112.0 * rng.Uniform(minFaceFraction, maxFaceFraction);
        var rotation = rng.Uniform(-maxRotation, maxRotation);
        // Keep the canonical face box (about 100 px wide, rotated) inside the image.
        var room = Math.Max(0, (size / 2.0) - (scale * 56 * (1 + Math.Abs(Math.Sin(rotation)))));
        var reach = Math.Min(room, maxOffset * size);
        return new FacePlacement(size, scale, rotation, (size / 2.0) + rng.Uniform(-reach, reach), (size / 2.0) + rng.Uniform(-reach, reach));
    }
}
