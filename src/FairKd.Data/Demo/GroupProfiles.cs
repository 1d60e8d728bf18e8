namespace FairKd.Data.Demo;

/// <summary>
/// Per-group distributions of <see cref="FaceParameters"/>, indexed like <c>EthnicGroups.Order</c>
/// (African, Asian, Caucasian, Indian). Groups differ in their means (skin tone, hair and iris palettes, face and
/// feature proportions) and in their <see cref="Spread"/>: a smaller spread puts identities closer together in
/// parameter space, so verification is harder there. The spreads follow the accuracy ordering the study reports
/// on RFW (Caucasian easiest, then Indian, Asian, African); they are a simulation knob, not a claim about faces.
/// </summary>
internal static class GroupProfiles
{
    /// <summary>Multiplier of every continuous identity deviation (and of the chance of rare features), per group.</summary>
    public static readonly double[] Spread = [0.32, 0.42, 0.62, 0.5];

    /// <summary>
    /// Multiplier of the per-image nuisance (pose, lighting, blur, noise), per group: a second difficulty knob, standing for
    /// the capture-quality differences measured on real benchmarks.
    /// </summary>
    public static readonly double[] Nuisance = [1.25, 1.1, 1.0, 1.1];

    private static readonly Rgb[] SkinMean = [new(112, 76, 56), new(222, 186, 152), new(232, 190, 168), new(168, 118, 86)];

    private static readonly Rgb[] HairPalette =
        [new(24, 21, 21), new(62, 41, 28), new(112, 76, 44), new(206, 170, 104), new(150, 66, 34), new(165, 163, 160)];

    private static readonly double[][] HairWeights =
    [
        [0.86, 0.11, 0.03, 0, 0, 0], [0.80, 0.15, 0.05, 0, 0, 0], [0.15, 0.25, 0.25, 0.18, 0.09, 0.08], [0.74, 0.20, 0.06, 0, 0, 0],
    ];

    private static readonly Rgb[] IrisPalette = [new(48, 30, 20), new(96, 60, 30), new(122, 100, 52), new(72, 112, 70), new(72, 112, 172)];

    private static readonly double[][] IrisWeights =
        [[0.92, 0.08, 0, 0, 0], [0.86, 0.14, 0, 0, 0], [0.2, 0.25, 0.15, 0.15, 0.25], [0.76, 0.2, 0.04, 0, 0]];

    private static readonly Rgb[] FramePalette = [new(20, 20, 20), new(120, 80, 40), new(190, 160, 80), new(140, 30, 40)];

    private static readonly double[] FaceHalfWidth = [37, 37.5, 35, 35.5];
    private static readonly double[] FaceHalfHeight = [47, 46, 48, 47.5];
    private static readonly double[] HairVolume = [3, 6, 6, 6];
    private static readonly double[] LongHairChance = [0.2, 0.4, 0.4, 0.45];
    private static readonly double[] FringeChance = [0.1, 0.35, 0.15, 0.15];
    private static readonly double[] EyeHalfHeight = [3.3, 2.6, 3.2, 3.3];
    private static readonly double[] NoseHalfWidth = [6.5, 5.6, 5, 5.6];
    private static readonly double[] LipThickness = [4, 3, 2.6, 3.2];
    private static readonly double[] BeardChance = [0.15, 0.08, 0.15, 0.25];

    /// <summary>Draws one identity of <paramref name="group"/>; <paramref name="spreadScale"/> further narrows the spread (synthetic sets).</summary>
    public static FaceParameters Sample(int group, DemoRandom rng, double spreadScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(group, 3);
        var s = Spread[group] * spreadScale;

        var tone = (float)Math.Clamp(rng.Normal(1, 0.15 * s), 0.6, 1.45);
        var skin = new Rgb(Math.Min(250, SkinMean[group].R * tone), Math.Min(245, SkinMean[group].G * tone), Math.Min(240, SkinMean[group].B * tone))
            .Jitter(rng, 7 * s);
        var hair = HairPalette[rng.Pick(HairWeights[group])].Jitter(rng, 14 * s);
        var iris = IrisPalette[rng.Pick(IrisWeights[group])].Jitter(rng, 10 * s);
        var lips = Rgb.Lerp(skin.Scale(0.82f), new Rgb(172, 68, 72), 0.35f).Jitter(rng, 8 * s);

        var faceHalfWidth = Math.Clamp(rng.Normal(FaceHalfWidth[group], 3.2 * s), 29, 43);
        var faceHalfHeight = Math.Clamp(rng.Normal(FaceHalfHeight[group], 3 * s), 40, 54);
        var faceCenterY = rng.Normal(64, 1.5 * s);
        var eyeY = rng.Normal(51.6, 1.6 * s);
        var hairline = rng.Chance(0.07) ? faceCenterY - faceHalfHeight + 1 : rng.Normal(29, 4 * s);
        var longHair = rng.Chance(LongHairChance[group]);
        var noseTip = rng.Normal(71.7, 2.2 * s);
        var mouthY = Math.Max(noseTip + 12, rng.Normal(92.3, 2 * s));

        return new FaceParameters
        {
            Group = group,
            FaceHalfWidth = faceHalfWidth,
            FaceHalfHeight = faceHalfHeight,
            FaceCenterY = faceCenterY,
            JawTaper = Math.Clamp(rng.Normal(0.15, 0.09 * s), 0, 0.35),
            Skin = skin,
            Hair = hair,
            Iris = iris,
            Lips = lips,
            HairVolume = Math.Clamp(rng.Normal(HairVolume[group], 3 * s), 1, 14),
            HairlineY = hairline,
            HairLength = longHair ? rng.Uniform(86, 118) : rng.Uniform(44, 62),
            FringeY = rng.Chance(FringeChance[group]) && hairline + 6 < eyeY - 13 ? rng.Uniform(hairline + 6, eyeY - 13) : 0,
            EyeHalfSpacing = rng.Normal(17.6, 1.9 * s),
            EyeY = eyeY,
            EyeHalfWidth = Math.Clamp(rng.Normal(6, 0.8 * s), 4, 8.5),
            EyeHalfHeight = Math.Clamp(rng.Normal(EyeHalfHeight[group], 0.55 * s), 1.8, 4.8),
            BrowThickness = Math.Clamp(rng.Normal(2.4, 0.7 * s), 1, 4.5),
            BrowGap = Math.Clamp(rng.Normal(7.5, 1.3 * s), 5, 11),
            BrowTilt = rng.Normal(0, 0.14 * s),
            NoseTipY = noseTip,
            NoseHalfWidth = Math.Clamp(rng.Normal(NoseHalfWidth[group], 1.3 * s), 3.5, 9.5),
            MouthY = mouthY,
            MouthHalfWidth = Math.Clamp(rng.Normal(14.6, 2.1 * s), 9.5, 20),
            LipThickness = Math.Clamp(rng.Normal(LipThickness[group], 0.7 * s), 1.5, 5.5),
            EarSize = Math.Clamp(rng.Normal(1, 0.14 * s), 0.7, 1.35),
            Glasses = rng.Chance(0.15 * s),
            GlassesFrame = FramePalette[rng.NextInt(FramePalette.Length)],
            Beard = rng.Chance(BeardChance[group] * s * 1.6),
            Mole = rng.Chance(0.2 * s),
            MoleX = 56 + ((rng.Chance(0.5) ? -1 : 1) * rng.Uniform(10, 24)),
            MoleY = rng.Uniform(58, 84),
            TextureSeed = rng.NextULong(),
        };
    }
}
