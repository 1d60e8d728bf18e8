namespace FairKd.Data.Demo;

/// <summary>
/// The stable parameters of one procedural identity, in the canonical 112x112 aligned frame (ArcFace template
/// coordinates). Every image of the identity is rendered from these plus per-image <see cref="FaceNuisance"/>.
/// </summary>
internal sealed record FaceParameters
{
    /// <summary>Index of the identity's group in <c>EthnicGroups.Order</c>.</summary>
    public required int Group { get; init; }

    public required double FaceHalfWidth { get; init; }
    public required double FaceHalfHeight { get; init; }
    public required double FaceCenterY { get; init; }

    /// <summary>How much the lower face narrows towards the chin (0 = ellipse, 0.3 = pointed).</summary>
    public required double JawTaper { get; init; }

    public required Rgb Skin { get; init; }
    public required Rgb Hair { get; init; }
    public required Rgb Iris { get; init; }
    public required Rgb Lips { get; init; }

    /// <summary>Hair volume beyond the face outline, hairline height and how far down the sides it reaches.</summary>
    public required double HairVolume { get; init; }
    public required double HairlineY { get; init; }
    public required double HairLength { get; init; }

    /// <summary>Fringe: hair over the forehead down to this y (0 = none).</summary>
    public required double FringeY { get; init; }

    public required double EyeHalfSpacing { get; init; }
    public required double EyeY { get; init; }
    public required double EyeHalfWidth { get; init; }
    public required double EyeHalfHeight { get; init; }

    public required double BrowThickness { get; init; }
    public required double BrowGap { get; init; }

    /// <summary>Brow tilt in radians (positive: outer ends lower).</summary>
    public required double BrowTilt { get; init; }

    public required double NoseTipY { get; init; }
    public required double NoseHalfWidth { get; init; }
    public required double MouthY { get; init; }
    public required double MouthHalfWidth { get; init; }
    public required double LipThickness { get; init; }
    public required double EarSize { get; init; }

    public required bool Glasses { get; init; }
    public required Rgb GlassesFrame { get; init; }
    public required bool Beard { get; init; }

    /// <summary>A mole at (MoleX, MoleY) when <see cref="Mole"/>.</summary>
    public required bool Mole { get; init; }
    public required double MoleX { get; init; }
    public required double MoleY { get; init; }

    /// <summary>Seed of the identity's fixed skin texture.</summary>
    public required ulong TextureSeed { get; init; }

    /// <summary>The five landmarks (canonical frame) for a neutral expression: eyes, nose tip, mouth corners.</summary>
    public (double X, double Y)[] NeutralLandmarks() =>
    [
        (56 - EyeHalfSpacing, EyeY), (56 + EyeHalfSpacing, EyeY), (56, NoseTipY),
        (56 - MouthHalfWidth, MouthY), (56 + MouthHalfWidth, MouthY),
    ];
}
