namespace FairKd.Data.Demo;

/// <summary>
/// Per-image variation that does not change the identity: pose (a similarity transform of the canonical face),
/// lighting, expression, background and clothing, blur and sensor noise.
/// </summary>
internal sealed record FaceNuisance
{
    /// <summary>In-plane rotation in radians, scale and translation (output pixels) of the canonical face.</summary>
    public required double Rotation { get; init; }
    public required double Scale { get; init; }
    public required double ShiftX { get; init; }
    public required double ShiftY { get; init; }

    /// <summary>Direction of the key light in the image plane (radians) and its strength (0 = flat).</summary>
    public required double LightAngle { get; init; }
    public required double LightStrength { get; init; }

    /// <summary>Overall exposure multiplier and a colour cast (added per channel).</summary>
    public required double Exposure { get; init; }
    public required Rgb Cast { get; init; }

    /// <summary>0 = closed mouth, 1 = wide open; smile widens the mouth corners (canonical pixels).</summary>
    public required double MouthOpen { get; init; }
    public required double Smile { get; init; }
    public required bool Blink { get; init; }

    public required Rgb Background { get; init; }
    public required Rgb Shirt { get; init; }

    /// <summary>Box-blur radius in output pixels (0 = sharp) and Gaussian noise in grey levels.</summary>
    public required int BlurRadius { get; init; }
    public required double NoiseSigma { get; init; }

    /// <summary>Seed of this image's noise.</summary>
    public required ulong NoiseSeed { get; init; }

    /// <summary>A muted backdrop: a grey level with a moderate tint, like the corners of real face crops.</summary>
    private static Rgb Backdrop(DemoRandom rng)
    {
        var grey = rng.Uniform(50, 210);
        return new Rgb((float)(grey + rng.Uniform(-35, 35)), (float)(grey + rng.Uniform(-35, 35)), (float)(grey + rng.Uniform(-35, 35)));
    }

    /// <summary>The nuisance of one image of <paramref name="identity"/> in a subset of <paramref name="style"/> (group and style scale it).</summary>
    public static FaceNuisance For(FaceParameters identity, ImageStyle style, DemoRandom rng)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(style);
        return Sample(rng, style.NuisanceAmount * GroupProfiles.Nuisance[identity.Group]);
    }

    /// <summary>Draws the nuisance of one image; <paramref name="amount"/> scales every variation (1 = real data).</summary>
    public static FaceNuisance Sample(DemoRandom rng, double amount)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var open = rng.Chance(0.3 * amount) ? rng.Uniform(0.2, 1) : 0;
        var blurDraw = rng.NextDouble();
        return new FaceNuisance
        {
            Rotation = rng.Normal(0, 0.08 * amount),
            Scale = rng.Normal(1, 0.03 * amount),
            ShiftX = rng.Normal(0, 2 * amount),
            ShiftY = rng.Normal(0, 2 * amount),
            LightAngle = rng.Uniform(0, 2 * Math.PI),
            LightStrength = rng.Uniform(0, 0.4 * amount),
            Exposure = rng.Normal(1, 0.08 * amount),
            Cast = new Rgb((float)rng.Normal(0, 6 * amount), (float)rng.Normal(0, 6 * amount), (float)rng.Normal(0, 6 * amount)),
            MouthOpen = open,
            Smile = rng.Uniform(0, 2.5 * amount),
            Blink = rng.Chance(0.06 * amount),
            Background = Backdrop(rng),
            Shirt = new Rgb((float)rng.Uniform(10, 240), (float)rng.Uniform(10, 240), (float)rng.Uniform(10, 240)),
            BlurRadius = blurDraw < 1 - (0.5 * amount) ? 0 : blurDraw < 1 - (0.15 * amount) ? 1 : 2,
            NoiseSigma = rng.Uniform(1, 1 + (7 * amount)),
            NoiseSeed = rng.NextULong(),
        };
    }
}
