using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Core.Tests.Sampling;

/// <summary>Hand-computed cases of the study's rules: check order, African default, tie-breaks, relabel argmax, mapping to storage order.</summary>
public class SamplingRuleTests
{
    private static readonly int Afr = EthnicGroups.IndexOf("African"), Asi = EthnicGroups.IndexOf("Asian"),
        Cau = EthnicGroups.IndexOf("Caucasian"), Ind = EthnicGroups.IndexOf("Indian");

    /// <summary>An identity whose images all put probability p on its folder group and the rest evenly elsewhere.</summary>
    private static SamplingIdentity Id(string key, int folder, double p, int images = 1, bool real = true)
    {
        var v = new float[4];
        for (var g = 0; g < 4; g++) v[g] = g == folder ? (float)p : (float)((1 - p) / 3);
        var one = LabelSum.FromProbabilities(v);
        var sum = default(LabelSum);
        for (var k = 0; k < images; k++) sum += one;
        return new SamplingIdentity(key, real ? "bupt" : "syn", real, folder, images, sum);
    }

    private static string[] Removed(SamplingResult r) => [.. r.RemovalOrder.Select(i => r.Identities[i].Key)];

    [Fact]
    public void Check_order_maps_to_storage_indices()
    {
        Assert.Equal([Cau, Asi, Ind, Afr], IdentitySampler.CheckOrder);
        Assert.Equal([2, 1, 3, 0], IdentitySampler.CheckOrder);
    }

    [Fact]
    public void Protocol_e_removes_from_the_strictly_largest_total_and_defaults_to_African_on_ties()
    {
        // totals: Cau 0.9+0.8, Asi 0.9+0.8, Ind 0.5, Afr 0.6 -> Cau and Asi tie for largest -> African by default
        SamplingIdentity[] ids = [Id("c1", Cau, 0.9), Id("c2", Cau, 0.8), Id("a1", Asi, 0.9), Id("a2", Asi, 0.8), Id("i1", Ind, 0.5), Id("f1", Afr, 0.6)];
        var r = IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, SamplingTarget.Remove(2));
        // 1st: tie -> African f1; 2nd: Cau 1.7 = Asi 1.7 still tie, African empty -> last candidate in check order = Indian
        Assert.Equal(["f1", "i1"], Removed(r));
        // a strictly largest Asian total is taken even though Caucasian is checked first
        ids = [Id("c1", Cau, 0.9), Id("a1", Asi, 0.9), Id("a2", Asi, 0.8), Id("f1", Afr, 0.6)];
        Assert.Equal(["a2"], Removed(IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, SamplingTarget.Remove(1))));
    }

    [Fact]
    public void Ties_in_score_go_to_the_ordinal_smaller_key()
    {
        SamplingIdentity[] ids = [Id("b", Cau, 0.5), Id("B", Cau, 0.5), Id("a", Cau, 0.5), Id("z", Afr, 0.1)];
        var r = IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, SamplingTarget.Remove(3));
        Assert.Equal(["B", "a", "b"], Removed(r)); // ordinal: 'B' (66) < 'a' (97) < 'b'
    }

    [Fact]
    public void Protocol_d_uses_the_strictly_lowest_mean_and_a_uses_mean_scores()
    {
        // sums: Cau ids 2x(3 images * 0.9)=2.7 each, mean 2.7; Asi one id 1 image 0.95; Afr one id 2 images 0.6 -> 1.2
        SamplingIdentity[] ids = [Id("c1", Cau, 0.9, 3), Id("c2", Cau, 0.9, 3), Id("a1", Asi, 0.95, 1), Id("f1", Afr, 0.6, 2)];
        Assert.Equal(["a1"], Removed(IdentitySampler.Run(ids, SamplingProtocol.ProtocolD, SamplingTarget.Remove(1))));
        // protocol_a: means 0.9, 0.9 / 0.95 / 0.6 -> African lowest
        Assert.Equal(["f1"], Removed(IdentitySampler.Run(ids, SamplingProtocol.ProtocolA, SamplingTarget.Remove(1))));
    }

    [Fact]
    public void Relabel_argmax_ties_prefer_Caucasian_then_Asian_then_Indian_then_African()
    {
        var tie = LabelSum.FromProbabilities([0.25f, 0.25f, 0.25f, 0.25f]);
        var noCau = LabelSum.FromProbabilities([0.3f, 0.3f, 0.1f, 0.3f]);
        var afrInd = LabelSum.FromProbabilities([0.4f, 0.1f, 0.1f, 0.4f]);
        Assert.Equal(Cau, IdentitySampler.Assign(new SamplingIdentity("x", "s", false, -1, 1, tie), SamplingProtocol.RelabelE).Group);
        Assert.Equal(Asi, IdentitySampler.Assign(new SamplingIdentity("x", "s", false, -1, 1, noCau), SamplingProtocol.RelabelD).Group);
        Assert.Equal(Ind, IdentitySampler.Assign(new SamplingIdentity("x", "s", false, -1, 1, afrInd), SamplingProtocol.MultipleForces).Group);
    }

    [Fact]
    public void Multiple_forces_subtracts_the_full_vector_of_the_removed_identity()
    {
        // x: Asian-assigned but carries a lot of Caucasian mass; G_Cau is largest at first though no Caucasian... c1 exists
        var x = new SamplingIdentity("x", "s", false, -1, 1, LabelSum.FromProbabilities([0f, 0.5f, 0.45f, 0.05f]));
        var c1 = new SamplingIdentity("c1", "s", false, -1, 1, LabelSum.FromProbabilities([0f, 0f, 0.9f, 0.1f]));
        var a1 = new SamplingIdentity("a1", "s", false, -1, 1, LabelSum.FromProbabilities([0f, 0.9f, 0f, 0.1f]));
        var f1 = new SamplingIdentity("f1", "s", false, -1, 1, LabelSum.FromProbabilities([0.8f, 0f, 0.1f, 0.1f]));
        // G: Afr .8, Asi 1.4, Cau 1.45, Ind .25 -> Cau: remove c1 -> G: Afr .8, Asi 1.4, Cau .55 -> Asi: lowest Asian is x (0.5)
        var r = IdentitySampler.Run([x, c1, a1, f1], SamplingProtocol.MultipleForces, SamplingTarget.Remove(2));
        Assert.Equal(["c1", "x"], Removed(r));
    }

    [Fact]
    public void Mix_quota_takes_the_other_side_when_a_side_is_at_its_floor()
    {
        // all Caucasian; real ids have the lowest scores, but keeping 2 with 50 % real allows only one real removal
        SamplingIdentity[] ids = [Id("r1", Cau, 0.3), Id("r2", Cau, 0.4), Id("s1", Cau, 0.8, real: false), Id("s2", Cau, 0.9, real: false)];
        var r = IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, SamplingTarget.Keep(2), new RealQuota(0.5, QuotaUnit.Identities));
        Assert.Equal(["r1", "s1"], Removed(r));
        // without the quota the plain protocol takes both real ones
        Assert.Equal(["r1", "r2"], Removed(IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, SamplingTarget.Keep(2))));
    }

    [Fact]
    public void Bad_input_names_offenders_and_counts()
    {
        var e = Assert.Throws<UsageException>(() => IdentitySampler.Run([Id("a", Cau, 0.5), Id("b", -1, 0.5)], SamplingProtocol.ProtocolE, null));
        Assert.Contains("1 identities have no folder group", e.Message, StringComparison.Ordinal);
        Assert.Contains(": b", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => IdentitySampler.Run([Id("a", Cau, 0.5)], SamplingProtocol.ProtocolE, SamplingTarget.Keep(2)));
        Assert.Contains("only 1 exist", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => IdentitySampler.Run([Id("a", Cau, 0.5), Id("a", Asi, 0.5)], SamplingProtocol.ProtocolE, null));
        Assert.Contains("more than once: a", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => IdentitySampler.Run([Id("a", Cau, 0.5) with { ImageCount = 0 }], SamplingProtocol.RelabelE, null));
        Assert.Contains("no images", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<UsageException>(() => IdentitySampler.Run([Id("a", Cau, 0.5), Id("s", Cau, 0.5, real: false)],
            SamplingProtocol.ProtocolE, SamplingTarget.Keep(1), new RealQuota(0.5, QuotaUnit.Images)));
        Assert.Contains("keepImages", e.Message, StringComparison.Ordinal);
    }
}
