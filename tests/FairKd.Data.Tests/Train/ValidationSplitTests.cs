using FairKd.Core;
using FairKd.Data.Train;

namespace FairKd.Data.Tests.Train;

/// <summary>`--val-split`: held-out identities are seeded, per group, disjoint from training, and give alternating pairs.</summary>
public sealed class ValidationSplitTests
{
    private static readonly string[] Groups = ["African", "Asian", "Caucasian", "Indian"];

    /// <summary><paramref name="perGroup"/> identities per group with <paramref name="images"/> images each (plus one identity
    /// with a single image per group, which can never be held out).</summary>
    private static List<TrainSample> Samples(int perGroup, int images)
    {
        var list = new List<TrainSample>();
        foreach (var g in Groups)
        {
            for (var i = 0; i < perGroup; i++)
            {
                for (var k = 0; k < images; k++)
                {
                    var rel = $"{g}/{g[..2]}{i:D3}/{k:D2}.jpg";
                    list.Add(new TrainSample("real/" + rel, "real", $"{g[..2]}{i:D3}", g, "/data/" + rel, rel));
                }
            }

            var single = $"{g}/{g[..2]}single/00.jpg";
            list.Add(new TrainSample("real/" + single, "real", $"{g[..2]}single", g, "/data/" + single, single));
        }

        return list;
    }

    [Fact]
    public void Holds_out_the_share_of_every_group_disjoint_from_training_the_same_for_the_same_seed()
    {
        var samples = Samples(perGroup: 20, images: 4);
        var split = ValidationSplit.Create(samples, 0.1, seed: 5);

        // round(0.1 x 21 identities) = 2 per group, all from the 20 with two or more images
        Assert.Equal(8, split.Identities.Count);
        Assert.All(Groups, g => Assert.Equal(2, split.Identities.Count(i => i.Group == g)));
        Assert.DoesNotContain(split.Identities, i => i.Identity.EndsWith("single", StringComparison.Ordinal));
        var held = split.Identities.Select(i => i.Identity).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(split.Train, s => held.Contains(s.Identity));
        Assert.Equal(samples.Count, split.Train.Count + split.Images.Count);
        Assert.Equal(samples.Where(s => !held.Contains(s.Identity)).Select(s => s.Key), split.Train.Select(s => s.Key)); // input order kept
        Assert.All(split.Images, s => Assert.Contains(s.Identity, held));

        var again = ValidationSplit.Create(samples, 0.1, seed: 5);
        Assert.Equal(split.Identities, again.Identities);
        Assert.Equal(split.Pairs, again.Pairs);
        Assert.Equal(split.IdentitiesSha256, again.IdentitiesSha256);
        var other = ValidationSplit.Create(samples, 0.1, seed: 6);
        Assert.NotEqual(split.IdentitiesSha256, other.IdentitiesSha256);

        // one group's choice does not depend on the others: dropping a group leaves the rest's choice as it was
        var withoutIndian = ValidationSplit.Create([.. samples.Where(s => s.Group != "Indian")], 0.1, seed: 5);
        Assert.Equal(split.Identities.Where(i => i.Group != "Indian"), withoutIndian.Identities);
    }

    [Fact]
    public void Pairs_alternate_genuine_and_impostor_within_a_group_and_stay_inside_the_held_out_images()
    {
        var split = ValidationSplit.Create(Samples(perGroup: 10, images: 5), 0.2, seed: 1);
        Assert.Equal(8, split.Identities.Count);
        Assert.Equal(8 * ValidationSplit.GenuinePerIdentity, split.GenuinePairs); // 5 images give up to 4 consecutive pairs, capped at 3
        Assert.Equal(split.GenuinePairs, split.ImpostorPairs);
        for (var k = 0; k < split.Pairs.Count; k++)
        {
            var p = split.Pairs[k];
            Assert.Equal(k % 2 == 0, p.Same);
            var (a, b) = (split.Images[p.A], split.Images[p.B]);
            Assert.Equal(p.Same, a.Identity == b.Identity);
            Assert.Equal(a.Group, b.Group); // two held out per group: impostors stay in their group, as RFW's do
            Assert.Equal(a.Group, p.Group);
            if (p.Same) Assert.True(string.CompareOrdinal(a.Key, b.Key) < 0);
        }
    }

    [Theory]
    [InlineData(0.0, "in (0, 0.5]")]
    [InlineData(0.6, "in (0, 0.5]")]
    [InlineData(double.NaN, "in (0, 0.5]")]
    public void A_share_outside_the_range_is_refused(double fraction, string message)
    {
        var e = Assert.Throws<UsageException>(() => ValidationSplit.Create(Samples(4, 3), fraction, 0));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_pairs_for_the_protocol_or_no_labelled_identities_are_refused_with_what_to_do()
    {
        // one group, two identities of two images: 2 genuine + 2 impostor pairs < 10
        var few = Samples(2, 2).Where(s => s.Group == "Asian").ToList();
        var e = Assert.Throws<UsageException>(() => ValidationSplit.Create(few, 0.5, 0));
        Assert.Contains("raise the share", e.Message, StringComparison.Ordinal);

        var unlabelled = Samples(4, 3).Select(s => s with { Identity = "" }).ToList();
        e = Assert.Throws<UsageException>(() => ValidationSplit.Create(unlabelled, 0.2, 0));
        Assert.Contains("at least two labelled identities", e.Message, StringComparison.Ordinal);
    }
}
