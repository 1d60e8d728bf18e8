namespace FairKd.Data.Demo;

/// <summary>
/// A subset's systematic look, applied to every image it renders: how much per-image variation it has, its colour
/// and contrast, sharpness, noise and skin texture. The real set is <see cref="Real"/>; the synthetic stand-ins
/// each differ from it in their own way, mimicking the synthetic gap.
/// </summary>
internal sealed record ImageStyle
{
    /// <summary>Scale of every nuisance variation (pose, lighting, expression, blur, noise); 1 = real data.</summary>
    public double NuisanceAmount { get; init; } = 1;

    /// <summary>Scale of the identity parameters' spread around the group means (1 = real data).</summary>
    public double IdentitySpread { get; init; } = 1;

    public float Saturation { get; init; } = 1;
    public float Contrast { get; init; } = 1;

    /// <summary>Added to every pixel after exposure (a colour shift).</summary>
    public Rgb Shift { get; init; }

    /// <summary>Box-blur radius added to the image's own blur.</summary>
    public int ExtraBlur { get; init; }

    public double NoiseScale { get; init; } = 1;
    public double TextureScale { get; init; } = 1;

    /// <summary>The real set: full variation, no colour change.</summary>
    public static ImageStyle Real { get; } = new();

    /// <summary>DCFace stand-in: much less intra-identity variation, a warm over-saturated cast, clean (little noise).</summary>
    public static ImageStyle SyntheticA { get; } = new()
    {
        NuisanceAmount = 0.45, IdentitySpread = 0.95, Saturation = 1.25f, Contrast = 1.08f, Shift = new Rgb(9, 2, -8), NoiseScale = 0.3,
        TextureScale = 0.5,
    };

    /// <summary>IDiff-Face stand-in: smooth, textureless, low-contrast and slightly cool images; identities less spread out.</summary>
    public static ImageStyle SyntheticB { get; } = new()
    {
        NuisanceAmount = 0.7, IdentitySpread = 0.85, Saturation = 0.9f, Contrast = 0.85f, Shift = new Rgb(-4, 3, 7), ExtraBlur = 1, NoiseScale = 0,
        TextureScale = 0,
    };
}
