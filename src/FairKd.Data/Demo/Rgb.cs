namespace FairKd.Data.Demo;

/// <summary>A colour in 0..255 floating point per channel (no clamping until encoding).</summary>
internal readonly record struct Rgb(float R, float G, float B)
{
    public static Rgb Lerp(Rgb a, Rgb b, float t) =>
        new(a.R + ((b.R - a.R) * t), a.G + ((b.G - a.G) * t), a.B + ((b.B - a.B) * t));

    public Rgb Scale(float f) => new(R * f, G * f, B * f);

    public Rgb Jitter(DemoRandom rng, double sd) =>
        new((float)Math.Clamp(R + rng.Normal(0, sd), 0, 255), (float)Math.Clamp(G + rng.Normal(0, sd), 0, 255),
            (float)Math.Clamp(B + rng.Normal(0, sd), 0, 255));

    public float Luma => (0.299f * R) + (0.587f * G) + (0.114f * B);
}
