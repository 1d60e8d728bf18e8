namespace FairKd.Data.Demo;

/// <summary>An RGB image (row-major, 3 bytes per pixel) and the 5 landmarks it was rendered with, in its pixels.</summary>
internal sealed record RenderedFace(int Size, byte[] Pixels, float[] Landmarks);

/// <summary>
/// Renders one image: the canonical face of <see cref="FaceScene"/> seen through a similarity transform
/// (placement x nuisance pose), then exposure, the subset's style, blur and noise. Pixel centres are at integer
/// coordinates, the convention of the ArcFace template and of OpenCV's warpAffine.
/// </summary>
internal static class FaceRenderer
{
    public static RenderedFace Render(FaceParameters identity, FaceNuisance nuisance, FacePlacement placement, ImageStyle style)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(nuisance);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(style);
        var scene = new FaceScene(identity, nuisance, style.TextureScale);
        var n = placement.Size;
        var scale = placement.Scale * nuisance.Scale;
        var (sin, cos) = Math.SinCos(placement.Rotation + nuisance.Rotation);
        var tx = placement.CenterX + (nuisance.ShiftX * placement.Scale);
        var ty = placement.CenterY + (nuisance.ShiftY * placement.Scale);
        var pixel = 1 / scale;

        var rgb = new float[n * n * 3];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                // Inverse similarity: output pixel -> canonical point.
                var dx = (x - tx) / scale;
                var dy = (y - ty) / scale;
                var u = FacePlacement.PivotX + (cos * dx) + (sin * dy);
                var v = FacePlacement.PivotY - (sin * dx) + (cos * dy);
                var c = scene.Shade(u, v, pixel);
                var i = ((y * n) + x) * 3;
                rgb[i] = c.R;
                rgb[i + 1] = c.G;
                rgb[i + 2] = c.B;
            }
        }

        ImagePostProcess.Expose(rgb, nuisance.Exposure, nuisance.Cast);
        ImagePostProcess.Stylise(rgb, style);
        ImagePostProcess.BoxBlur(rgb, n, nuisance.BlurRadius + style.ExtraBlur);
        var pixels = ImagePostProcess.AddNoiseAndQuantise(rgb, nuisance.NoiseSigma * style.NoiseScale, nuisance.NoiseSeed);

        var canonical = scene.Landmarks();
        var landmarks = new float[10];
        for (var k = 0; k < 5; k++)
        {
            var du = (canonical[k].X - FacePlacement.PivotX) * scale;
            var dv = (canonical[k].Y - FacePlacement.PivotY) * scale;
            landmarks[2 * k] = (float)(tx + (cos * du) - (sin * dv));
            landmarks[(2 * k) + 1] = (float)(ty + (sin * du) + (cos * dv));
        }

        return new RenderedFace(n, pixels, landmarks);
    }
}
