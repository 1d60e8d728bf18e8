namespace FairKd.Data.Demo;

/// <summary>
/// The colour of a procedural face at any point of the canonical 112x112 frame, for one identity and one image's
/// expression and lighting. Shapes are soft-edged (anti-aliased over <c>pixel</c> canonical units) and painted
/// back to front: shirt, neck, ears, hair, face, beard, nose, mouth, eyes, brows, glasses, mole.
/// </summary>
internal sealed class FaceScene
{
    private readonly FaceParameters _p;
    private readonly Rgb _background;
    private readonly Rgb _shirt;
    private readonly double _lightX, _lightY, _lightZ, _lightStrength;
    private readonly double _textureAmount;
    private readonly double _mouthHalfWidth, _mouthY, _mouthOpen;
    private readonly double _eyeHalfHeight;
    private readonly double _chinY;

    public FaceScene(FaceParameters identity, FaceNuisance nuisance, double textureAmount)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(nuisance);
        _p = identity;
        _background = nuisance.Background;
        _shirt = nuisance.Shirt;
        _lightX = 0.7 * Math.Cos(nuisance.LightAngle);
        _lightY = 0.7 * Math.Sin(nuisance.LightAngle);
        _lightZ = 0.714;
        _lightStrength = nuisance.LightStrength;
        _textureAmount = textureAmount;
        _mouthHalfWidth = identity.MouthHalfWidth + nuisance.Smile;
        _mouthOpen = nuisance.MouthOpen;
        _mouthY = identity.MouthY + (1.5 * nuisance.MouthOpen);
        _eyeHalfHeight = nuisance.Blink ? identity.EyeHalfHeight * 0.15 : identity.EyeHalfHeight;
        _chinY = identity.FaceCenterY + identity.FaceHalfHeight;
    }

    /// <summary>The five landmarks this image is rendered with (canonical frame): eye centres, nose tip, mouth corners.</summary>
    public (double X, double Y)[] Landmarks() =>
    [
        (56 - _p.EyeHalfSpacing, _p.EyeY), (56 + _p.EyeHalfSpacing, _p.EyeY), (56, _p.NoseTipY),
        (56 - _mouthHalfWidth, _mouthY), (56 + _mouthHalfWidth, _mouthY),
    ];

    /// <summary>Colour at canonical point (u, v); <paramref name="pixel"/> is the size of one output pixel in canonical units.</summary>
    public Rgb Shade(double u, double v, double pixel)
    {
        var p = _p;
        var c = Rgb.Lerp(_background, _background.Scale(0.8f), (float)Math.Clamp(v / 140, 0, 1));

        // Shirt and neck.
        var shoulder = 18 + (Math.Max(0, v - _chinY + 6) * 1.4);
        var shirt = Cover(Math.Abs(u - 56) - shoulder, pixel) * Cover(_chinY + 8 - v, pixel);
        c = Rgb.Lerp(c, _shirt, (float)shirt);
        var neck = Cover(Math.Abs(u - 56) - (p.FaceHalfWidth * 0.48), pixel) * Cover(p.FaceCenterY - v, pixel)
            * Cover(v - (_chinY + 10), pixel);
        c = Rgb.Lerp(c, p.Skin.Scale(0.78f), (float)neck);

        // Ears, then hair behind the head (long hair covers the ears).
        var earY = p.EyeY + 9;
        var ear = Math.Max(
            EllipseCover(u, v, 56 - p.FaceHalfWidth + 1, earY, 4.5 * p.EarSize, 8.5 * p.EarSize, pixel),
            EllipseCover(u, v, 56 + p.FaceHalfWidth - 1, earY, 4.5 * p.EarSize, 8.5 * p.EarSize, pixel));
        if (ear > 0) c = Rgb.Lerp(c, Lit(p.Skin.Scale(0.88f), 0, 0), (float)ear);
        var hairBack = EllipseCover(u, v, 56, p.FaceCenterY, p.FaceHalfWidth + p.HairVolume, p.FaceHalfHeight + p.HairVolume, pixel)
            * Cover(v - p.HairLength, pixel);
        if (hairBack > 0) c = Rgb.Lerp(c, HairColor(u, v), (float)hairBack);

        // Face with lighting and the identity's fixed skin texture.
        var du = u - 56;
        var dv = v - p.FaceCenterY;
        var t = dv > 0 ? dv / p.FaceHalfHeight : 0;
        var halfWidth = p.FaceHalfWidth * (1 - (p.JawTaper * t * t));
        var fx = du / halfWidth;
        var fy = dv / p.FaceHalfHeight;
        var r = Math.Sqrt((fx * fx) + (fy * fy));
        var face = Cover((r - 1) * Math.Min(halfWidth, p.FaceHalfHeight), pixel);
        if (face <= 0) return c;
        var skin = Lit(p.Skin, fx, fy);
        if (_textureAmount > 0) skin = skin.Scale((float)(1 + (0.05 * _textureAmount * ValueNoise(u / 2.5, v / 2.5, p.TextureSeed))));
        c = Rgb.Lerp(c, skin, (float)face);

        // Hair over the forehead (hairline and optional fringe).
        var front = Cover(v - p.HairlineY, pixel);
        if (p.FringeY > 0) front = Math.Max(front, Cover(v - p.FringeY - (2 * Math.Sin(u * 0.6)), pixel));
        if (front > 0) c = Rgb.Lerp(c, HairColor(u, v), (float)(front * face));

        if (p.Beard)
        {
            var beard = face * Cover(p.NoseTipY + 5 - v, pixel)
                * (1 - EllipseCover(u, v, 56, _mouthY, _mouthHalfWidth + 1, p.LipThickness + (3.5 * _mouthOpen) + 0.5, pixel));
            if (beard > 0) c = Rgb.Lerp(c, HairColor(u, v).Scale(0.95f), (float)(beard * 0.92));
        }

        // Nose: bridge shadow on the side away from the light, wings and nostrils.
        var side = _lightX >= 0 ? -1 : 1;
        var bridge = EllipseCover(u, v, 56 + (side * 2.5), (p.EyeY + p.NoseTipY) / 2, 1.6, (p.NoseTipY - p.EyeY) / 2, pixel);
        c = Rgb.Lerp(c, c.Scale(0.86f), (float)(bridge * face));
        var wings = EllipseCover(u, v, 56, p.NoseTipY, p.NoseHalfWidth, 3.2, pixel);
        c = Rgb.Lerp(c, c.Scale(0.84f), (float)wings);
        var nostrils = Math.Max(
            EllipseCover(u, v, 56 - (p.NoseHalfWidth * 0.5), p.NoseTipY + 1.4, 1.7, 1.1, pixel),
            EllipseCover(u, v, 56 + (p.NoseHalfWidth * 0.5), p.NoseTipY + 1.4, 1.7, 1.1, pixel));
        c = Rgb.Lerp(c, p.Skin.Scale(0.35f), (float)nostrils);

        // Mouth: lips, and when open the dark inside with a band of teeth.
        var lipHalfHeight = p.LipThickness + (3.5 * _mouthOpen);
        var lips = EllipseCover(u, v, 56, _mouthY, _mouthHalfWidth, lipHalfHeight, pixel);
        if (lips > 0) c = Rgb.Lerp(c, Lit(p.Lips, 0, 0.6), (float)lips);
        if (_mouthOpen > 0)
        {
            var inner = EllipseCover(u, v, 56, _mouthY, _mouthHalfWidth * 0.75, 3.5 * _mouthOpen, pixel);
            var teeth = v < _mouthY - (1.2 * _mouthOpen) ? new Rgb(228, 224, 214) : new Rgb(62, 22, 28);
            c = Rgb.Lerp(c, teeth, (float)inner);
        }
        else
        {
            var line = Cover(Math.Abs(v - _mouthY) - 0.4, pixel) * lips;
            c = Rgb.Lerp(c, p.Lips.Scale(0.5f), (float)line);
        }

        c = Eye(c, u, v, 56 - p.EyeHalfSpacing, pixel);
        c = Eye(c, u, v, 56 + p.EyeHalfSpacing, pixel);

        // Brows, tilted so that positive tilt lowers the outer ends.
        var browY = p.EyeY - p.BrowGap;
        var brows = Math.Max(
            Cover(RotatedEllipse(u, v, 56 - p.EyeHalfSpacing, browY, p.EyeHalfWidth * 1.4, p.BrowThickness / 2, -p.BrowTilt), pixel),
            Cover(RotatedEllipse(u, v, 56 + p.EyeHalfSpacing, browY, p.EyeHalfWidth * 1.4, p.BrowThickness / 2, p.BrowTilt), pixel));
        c = Rgb.Lerp(c, p.Hair.Scale(0.75f), (float)(brows * face));

        if (p.Glasses) c = Glasses(c, u, v, pixel);

        if (p.Mole)
            c = Rgb.Lerp(c, p.Skin.Scale(0.38f), (float)(face * EllipseCover(u, v, p.MoleX, p.MoleY, 1.4, 1.4, pixel)));
        return c;
    }

    private Rgb Eye(Rgb c, double u, double v, double cx, double pixel)
    {
        var p = _p;
        var cy = p.EyeY;
        var eh = _eyeHalfHeight;
        var lash = EllipseCover(u, v, cx, cy, p.EyeHalfWidth + 0.9, eh + 0.9, pixel) * Cover(v - cy, pixel);
        c = Rgb.Lerp(c, p.Hair.Scale(0.35f), (float)lash);
        var sclera = EllipseCover(u, v, cx, cy, p.EyeHalfWidth, eh, pixel);
        if (sclera <= 0) return c;
        c = Rgb.Lerp(c, Lit(new Rgb(236, 232, 226), 0, 0), (float)sclera);
        var irisRadius = Math.Min(p.EyeHalfHeight * 0.95, p.EyeHalfWidth * 0.6);
        var iris = EllipseCover(u, v, cx, cy, irisRadius, irisRadius, pixel) * sclera;
        c = Rgb.Lerp(c, p.Iris, (float)iris);
        var pupil = EllipseCover(u, v, cx, cy, irisRadius * 0.45, irisRadius * 0.45, pixel) * sclera;
        return Rgb.Lerp(c, new Rgb(12, 10, 12), (float)pupil);
    }

    private Rgb Glasses(Rgb c, double u, double v, double pixel)
    {
        var p = _p;
        var ra = p.EyeHalfWidth * 1.75;
        var rb = (p.EyeHalfHeight * 1.6) + 3.5;
        var frame = 0.0;
        var lens = 0.0;
        foreach (var cx in (ReadOnlySpan<double>)[56 - p.EyeHalfSpacing, 56 + p.EyeHalfSpacing])
        {
            var d = Ellipse(u, v, cx, p.EyeY, ra, rb);
            frame = Math.Max(frame, Cover(Math.Abs(d) - 0.8, pixel));
            lens = Math.Max(lens, Cover(d, pixel));
        }

        var gap = Math.Max(0.5, p.EyeHalfSpacing - ra);
        frame = Math.Max(frame, Cover(Math.Abs(u - 56) - gap - 0.5, pixel) * Cover(Math.Abs(v - (p.EyeY - 1.5)) - 0.7, pixel));
        c = Rgb.Lerp(c, new Rgb(205, 222, 232), (float)(lens * 0.12));
        return Rgb.Lerp(c, p.GlassesFrame, (float)frame);
    }

    private Rgb HairColor(double u, double v)
    {
        var strands = 0.88 + (0.12 * Math.Sin((u * 1.9) + (Math.Sin(v * 0.21) * 2)));
        return Lit(_p.Hair, 0, -0.3).Scale((float)strands);
    }

    /// <summary>Lambert shading of a colour on an ellipsoid with normal (nx, ny) in the image plane.</summary>
    private Rgb Lit(Rgb color, double nx, double ny)
    {
        var nz = Math.Sqrt(Math.Max(0, 1 - (nx * nx) - (ny * ny)));
        var lambert = Math.Max(0, (nx * _lightX) + (ny * _lightY) + (nz * _lightZ));
        var shade = 1 - _lightStrength + (_lightStrength * 1.35 * lambert);
        return color.Scale((float)shade);
    }

    /// <summary>Coverage of an axis-aligned ellipse, with a cheap bounding-box rejection before the distance.</summary>
    private static double EllipseCover(double u, double v, double cx, double cy, double a, double b, double pixel)
    {
        // Beyond this box the approximate distance exceeds one pixel, so the coverage is exactly 0.
        var grow = 1 + (pixel / Math.Min(a, b));
        if (Math.Abs(u - cx) > a * grow || Math.Abs(v - cy) > b * grow) return 0;
        return Cover(Ellipse(u, v, cx, cy, a, b), pixel);
    }

    /// <summary>Approximate signed distance (canonical units) to an axis-aligned ellipse; negative inside.</summary>
    private static double Ellipse(double u, double v, double cx, double cy, double a, double b)
    {
        var x = (u - cx) / a;
        var y = (v - cy) / b;
        return (Math.Sqrt((x * x) + (y * y)) - 1) * Math.Min(a, b);
    }

    private static double RotatedEllipse(double u, double v, double cx, double cy, double a, double b, double angle)
    {
        var (sin, cos) = Math.SinCos(angle);
        var du = u - cx;
        var dv = v - cy;
        return Ellipse((cos * du) + (sin * dv), (-sin * du) + (cos * dv), 0, 0, a, b);
    }

    /// <summary>Coverage of a shape at signed distance <paramref name="d"/>: 1 inside, 0 outside, a one-pixel ramp between.</summary>
    private static double Cover(double d, double pixel) => Math.Clamp(0.5 - (d / pixel), 0, 1);

    /// <summary>Smooth value noise in [-1, 1], fixed per seed (bilinear between hashed lattice values).</summary>
    private static double ValueNoise(double x, double y, ulong seed)
    {
        var ix = (long)Math.Floor(x);
        var iy = (long)Math.Floor(y);
        var fx = x - ix;
        var fy = y - iy;
        var a = Lattice(ix, iy, seed);
        var b = Lattice(ix + 1, iy, seed);
        var c = Lattice(ix, iy + 1, seed);
        var d = Lattice(ix + 1, iy + 1, seed);
        var top = a + ((b - a) * fx);
        var bottom = c + ((d - c) * fx);
        return top + ((bottom - top) * fy);
    }

    private static double Lattice(long x, long y, ulong seed)
    {
        var h = DemoRandom.Mix(seed ^ DemoRandom.Mix(unchecked(((ulong)x * 0x9E3779B97F4A7C15UL) ^ ((ulong)y * 0xC2B2AE3D27D4EB4FUL))));
        return ((h >> 11) * (2.0 / (1UL << 53))) - 1;
    }
}
