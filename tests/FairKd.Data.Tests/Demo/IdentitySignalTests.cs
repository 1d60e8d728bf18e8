using FairKd.Data.Demo;
using Xunit.Abstractions;

namespace FairKd.Data.Tests.Demo;

/// <summary>
/// Cheap checks that the images carry identity (learnable) and that groups differ in difficulty: images of one
/// identity are closer in pixels than images of two identities, and one group's identities are closer together.
/// </summary>
public class IdentitySignalTests(ITestOutputHelper output)
{
    private const int Identities = 20;
    private const int ImagesPerIdentity = 3;

    [Fact]
    public void Images_of_one_identity_are_closer_than_images_of_two()
    {
        var wins = 0;
        var total = 0;
        for (var g = 0; g < 4; g++)
        {
            var faces = RenderGroup(g, ImageStyle.Real);
            var (groupWins, groupTotal) = Triplets(faces);
            output.WriteLine($"group {g}: same identity closer in {groupWins}/{groupTotal} triplets ({(double)groupWins / groupTotal:P0})");
            // Chance is 50 %; the hardest group is meant to be hard, but not signal-free.
            Assert.True(groupWins > 0.57 * groupTotal, $"group {g}: identity signal too weak ({groupWins}/{groupTotal})");
            wins += groupWins;
            total += groupTotal;
        }

        Assert.True(wins > 0.65 * total, $"identity signal too weak overall ({wins}/{total})");
    }

    [Fact]
    public void Synthetic_styles_keep_identity_and_have_less_intra_identity_variation()
    {
        var real = RenderGroup(2, ImageStyle.Real);
        var synthetic = RenderGroup(2, ImageStyle.SyntheticA);
        var (wins, total) = Triplets(synthetic);
        Assert.True(wins > 0.75 * total, $"synthetic-a identity signal too weak ({wins}/{total})");
        var realIntra = MeanDistance(real, sameIdentity: true);
        var syntheticIntra = MeanDistance(synthetic, sameIdentity: true);
        output.WriteLine($"intra-identity distance: real {realIntra:F2}, synthetic-a {syntheticIntra:F2}");
        Assert.True(syntheticIntra < 0.8 * realIntra, $"synthetic-a should vary less within an identity ({syntheticIntra:F2} vs {realIntra:F2})");
    }

    [Fact]
    public void Groups_differ_in_difficulty()
    {
        // Identity separation in pixels: mean inter-identity over mean intra-identity distance, per group.
        var separation = new double[4];
        for (var g = 0; g < 4; g++)
        {
            var faces = RenderGroup(g, ImageStyle.Real);
            separation[g] = MeanDistance(faces, sameIdentity: false) / MeanDistance(faces, sameIdentity: true);
            output.WriteLine($"group {g}: inter/intra = {separation[g]:F3}");
        }

        Assert.True(separation[2] > 1.1 * separation[0], $"Caucasian ({separation[2]:F3}) should be easier than African ({separation[0]:F3})");
        Assert.True(separation.Max() > 1.15 * separation.Min(), "groups should differ in identity separation");

        // In parameter space the spread is by construction: African identities are closest together.
        var spread = new double[4];
        for (var g = 0; g < 4; g++)
        {
            var ids = Enumerable.Range(0, 200).Select(i => GroupProfiles.Sample(g, DemoRandom.For(5, "spread", g, i))).ToList();
            spread[g] = ids.SelectMany((a, i) => ids.Skip(i + 1).Select(b => Geometry(a, b))).Average();
            output.WriteLine($"group {g}: mean parameter distance {spread[g]:F3}");
        }

        Assert.True(spread[0] < 0.85 * spread[2], "African identities should be closer together than Caucasian ones");
        Assert.Equal([0, 1, 3, 2], Enumerable.Range(0, 4).OrderBy(g => spread[g]));
    }

    private static double Geometry(FaceParameters a, FaceParameters b)
    {
        double[] d =
        [
            a.FaceHalfWidth - b.FaceHalfWidth, a.FaceHalfHeight - b.FaceHalfHeight, a.EyeHalfSpacing - b.EyeHalfSpacing, a.EyeY - b.EyeY,
            a.NoseTipY - b.NoseTipY, a.MouthHalfWidth - b.MouthHalfWidth, a.BrowGap - b.BrowGap,
        ];
        return Math.Sqrt(d.Sum(x => x * x));
    }

    /// <summary>Aligned renders of <see cref="Identities"/> identities of a group, reduced to a 14x16 RGB grid of the face centre.</summary>
    internal static List<(int Identity, float[] Pixels)> RenderGroup(int group, ImageStyle style)
    {
        var faces = new List<(int, float[])>();
        for (var i = 0; i < Identities; i++)
        {
            var identity = GroupProfiles.Sample(group, DemoRandom.For(99, "signal/identity", group, i), style.IdentitySpread);
            for (var k = 0; k < ImagesPerIdentity; k++)
            {
                var nuisance = FaceNuisance.For(identity, style, DemoRandom.For(99, "signal/image", group, i, k));
                faces.Add((i, Reduce(FaceRenderer.Render(identity, nuisance, FacePlacement.Aligned, style))));
            }
        }

        return faces;
    }

    /// <summary>Mean of 4x4 blocks over the face centre (x 28..83, y 36..99) of a 112x112 render.</summary>
    private static float[] Reduce(RenderedFace face)
    {
        var result = new float[14 * 16 * 3];
        for (var y = 36; y < 100; y++)
            for (var x = 28; x < 84; x++)
                for (var c = 0; c < 3; c++)
                    result[((((y - 36) / 4 * 14) + ((x - 28) / 4)) * 3) + c] += face.Pixels[(((y * 112) + x) * 3) + c] / 16f;
        return result;
    }

    private static double Distance(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / a.Length;
    }

    /// <summary>For every (anchor, positive of the same identity, negative of another): how often the positive is closer.</summary>
    private static (int Wins, int Total) Triplets(List<(int Identity, float[] Pixels)> faces)
    {
        int wins = 0, total = 0;
        foreach (var a in faces)
            foreach (var p in faces.Where(f => f.Identity == a.Identity && !ReferenceEquals(f.Pixels, a.Pixels)))
                foreach (var n in faces.Where(f => f.Identity != a.Identity))
                {
                    total++;
                    if (Distance(a.Pixels, p.Pixels) < Distance(a.Pixels, n.Pixels)) wins++;
                }

        return (wins, total);
    }

    private static double MeanDistance(List<(int Identity, float[] Pixels)> faces, bool sameIdentity)
    {
        var d = new List<double>();
        for (var i = 0; i < faces.Count; i++)
            for (var j = i + 1; j < faces.Count; j++)
                if ((faces[i].Identity == faces[j].Identity) == sameIdentity) d.Add(Distance(faces[i].Pixels, faces[j].Pixels));
        return d.Average();
    }
}
