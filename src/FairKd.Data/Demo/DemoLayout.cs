using System.Globalization;
using System.Text;
using FairKd.Core.Records;

namespace FairKd.Data.Demo;

/// <summary>One image to render and where it goes (path relative to the output root, '/'-separated).</summary>
internal sealed record ImageJob(
    string RelativePath,
    FaceParameters Identity,
    ulong NuisanceSeed,
    FacePlacement Placement,
    ImageStyle Style,
    bool Png,
    LandmarkEntry? Landmarks);

/// <summary>A row the image contributes to a landmark file: the file (relative to the output root), the row's path and label.</summary>
internal sealed record LandmarkEntry(string File, string Path, int Label);

/// <summary>Everything the generator writes: images to render and text files known before rendering.</summary>
internal sealed record DemoPlan(IReadOnlyList<ImageJob> Images, IReadOnlyList<(string RelativePath, string Content)> Texts);

/// <summary>
/// Plans the demo-data tree: which identities exist in which subset, every image's seeds and placement, the pair
/// lists and the synthetic sets' group ground truth. Identities are drawn from seeds derived from (seed, subset,
/// group, index), so raising a count never changes the identities already there, and subsets never share one.
/// </summary>
internal static class DemoLayout
{
    public static readonly string[] Subsets = ["real", "synthetic-a", "synthetic-b", "unaligned", "rfw", "lfw"];

    private static readonly string[] GroupCodes = ["af", "as", "ca", "in"];

    /// <summary>Group mix of each synthetic set (hidden in its layout): like real generators, skewed towards one group.</summary>
    private static readonly double[] SyntheticAGroups = [0.12, 0.18, 0.55, 0.15];
    private static readonly double[] SyntheticBGroups = [0.2, 0.25, 0.35, 0.2];

    /// <summary>LFW is mostly Caucasian.</summary>
    private static readonly double[] LfwGroups = [0.1, 0.12, 0.68, 0.1];

    public static string RealIdentity(int group, int index) => $"m.real_{GroupCodes[group]}{index + 1:D4}";

    public static string RfwIdentity(int group, int index) => $"m.rfw_{GroupCodes[group]}{index + 1:D4}";

    public static DemoPlan Plan(DemoDataOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var images = new List<ImageJob>();
        var texts = new List<(string, string)>();

        // Real (BUPT layout) and its unaligned variant: the same identities, new images, loose rotated crops.
        for (var g = 0; g < 4; g++)
        {
            var group = EthnicGroups.Order[g];
            for (var i = 0; i < o.RealIdentitiesPerGroup; i++)
            {
                var id = RealIdentity(g, i);
                var identity = GroupProfiles.Sample(g, DemoRandom.For(o.Seed, "real/identity", g, i));
                for (var k = 0; k < o.RealImagesPerIdentity; k++)
                    images.Add(Aligned($"real/{group}/{id}/{id}_{k + 1:D4}.jpg", identity, o.Seed, "real/image", g, i, k, ImageStyle.Real));
                if (i >= o.UnalignedIdentitiesPerGroup) continue;
                for (var k = 0; k < o.UnalignedImagesPerIdentity; k++)
                {
                    var rel = $"{group}/{id}/{id}_{k + 1:D4}.jpg";
                    var rng = DemoRandom.For(o.Seed, "unaligned/image", g, i, k);
                    var placement = FacePlacement.Loose(rng, o.UnalignedSize, 0.45, 0.75, 0.4, 0.15);
                    images.Add(new ImageJob("unaligned/" + rel, identity, rng.NextULong(), placement, ImageStyle.Real, false,
                        new LandmarkEntry("unaligned/landmarks.txt", rel, (g * o.UnalignedIdentitiesPerGroup) + i)));
                }
            }
        }

        PlanSynthetic(o, "synthetic-a", ImageStyle.SyntheticA, SyntheticAGroups, i => $"{i:D5}", k => $"{k:D2}.jpg", false, images, texts);
        PlanSynthetic(o, "synthetic-b", ImageStyle.SyntheticB, SyntheticBGroups, i => $"id_{i:D5}", k => $"{k:D3}.png", true, images, texts);
        PlanRfw(o, images, texts);
        PlanLfw(o, images, texts);
        return new DemoPlan(images, texts);
    }

    private static void PlanSynthetic(DemoDataOptions o, string subset, ImageStyle style, double[] groupMix, Func<int, string> idName,
        Func<int, string> imageName, bool png, List<ImageJob> images, List<(string, string)> texts)
    {
        var groups = new StringBuilder("identity,group\n");
        for (var i = 0; i < o.SyntheticIdentities; i++)
        {
            var rng = DemoRandom.For(o.Seed, subset + "/identity", i);
            var g = rng.Pick(groupMix);
            var identity = GroupProfiles.Sample(g, rng, style.IdentitySpread);
            var id = idName(i);
            groups.Append(CultureInfo.InvariantCulture, $"{id},{EthnicGroups.Order[g]}\n");
            for (var k = 0; k < o.SyntheticImagesPerIdentity; k++)
            {
                var job = Aligned($"{subset}/{id}/{imageName(k)}", identity, o.Seed, subset + "/image", g, i, k, style);
                images.Add(job with { Png = png });
            }
        }

        texts.Add(($"{subset}/groups.csv", groups.ToString()));
    }

    private static void PlanRfw(DemoDataOptions o, List<ImageJob> images, List<(string, string)> texts)
    {
        for (var g = 0; g < 4; g++)
        {
            var race = EthnicGroups.Order[g];
            var ids = new List<string>();
            for (var i = 0; i < o.RfwIdentitiesPerGroup; i++)
            {
                var id = RfwIdentity(g, i);
                ids.Add(id);
                var identity = GroupProfiles.Sample(g, DemoRandom.For(o.Seed, "rfw/identity", g, i));
                for (var k = 0; k < o.RfwImagesPerIdentity; k++)
                {
                    var rel = $"{race}/{id}/{id}_{k + 1:D4}.jpg";
                    var rng = DemoRandom.For(o.Seed, "rfw/image", g, i, k);
                    var placement = FacePlacement.Loose(rng, o.RfwSize, 0.55, 0.72, 0.2, 0.06);
                    images.Add(new ImageJob("rfw/test/data/" + rel, identity, rng.NextULong(), placement, ImageStyle.Real, false,
                        new LandmarkEntry($"rfw/test/txts/{race}/{race}_lmk.txt", rel, i)));
                }
            }

            var pairs = PairListWriter.Draw(DemoRandom.For(o.Seed, "rfw/pairs", g), ids, o.RfwImagesPerIdentity, DemoDataOptions.Folds,
                o.RfwPairsPerFold);
            texts.Add(($"rfw/test/txts/{race}/{race}_pairs.txt", PairListWriter.FormatRfw(pairs)));
        }
    }

    private static void PlanLfw(DemoDataOptions o, List<ImageJob> images, List<(string, string)> texts)
    {
        var ids = new List<string>();
        for (var i = 0; i < o.LfwIdentities; i++)
        {
            var rng = DemoRandom.For(o.Seed, "lfw/identity", i);
            var g = rng.Pick(LfwGroups);
            var identity = GroupProfiles.Sample(g, rng);
            var id = $"Demo_Person_{i + 1:D4}";
            ids.Add(id);
            for (var k = 0; k < o.LfwImagesPerIdentity; k++)
                images.Add(Aligned($"lfw/{id}/{id}_{k + 1:D4}.jpg", identity, o.Seed, "lfw/image", g, i, k, ImageStyle.Real));
        }

        var pairs = PairListWriter.Draw(DemoRandom.For(o.Seed, "lfw/pairs"), ids, o.LfwImagesPerIdentity, DemoDataOptions.Folds, o.LfwPairsPerFold);
        texts.Add(("lfw/pairs.txt", PairListWriter.FormatLfw(pairs, DemoDataOptions.Folds, o.LfwPairsPerFold)));
    }

    private static ImageJob Aligned(string path, FaceParameters identity, int seed, string purpose, int group, int index, int image,
        ImageStyle style) =>
        new(path, identity, DemoRandom.Derive(seed, purpose, group, index, image), FacePlacement.Aligned, style, false, null);
}
