using CsCheck;
using FairKd.Core.Sampling;

namespace FairKd.Core.Tests.Sampling;

/// <summary>The fast sampler equals the step-by-step reference on random inputs with many ties, for every protocol and target kind.</summary>
public class SamplingPropertyTests
{
    private const long Quarter = LabelSum.UnitsPerOne / 4;

    private static readonly Gen<SamplingIdentity[]> Identities =
        from n in Gen.Int[1, 28]
        from rows in Gen.Select(Gen.Int[0, 3], Gen.Int[1, 4], Gen.Int[0, 3].Array[4], Gen.Bool, Gen.Int[0, 40]).Array[n]
        select rows.Select((r, i) =>
        {
            var (folder, images, c, real, name) = r;
            // small integer multiples of 1/4 per image make equal scores, totals and means frequent
            var sum = new LabelSum(c[0] * Quarter * images, c[1] * Quarter * images, c[2] * Quarter * images,
                (c[3] + (c.All(x => x == 0) ? 1 : 0)) * Quarter * images);
            return new SamplingIdentity($"{name:00}-{i}", real ? "real" : "synth", real, folder, images, sum);
        }).ToArray();

    private static readonly Gen<(SamplingIdentity[] Ids, SamplingProtocol P, SamplingTarget T, RealQuota? Q)> Cases =
        from ids in Identities
        from p in Gen.Int[0, 6]
        from kind in Gen.Int[0, 2]
        from frac in Gen.Double[0, 1]
        from useQuota in Gen.Int[0, 2]
        from q in Gen.Int[0, 1000]
        let images = ids.Sum(x => (long)x.ImageCount)
        let target = kind switch
        {
            0 => SamplingTarget.Remove(q % (ids.Length + 1)),
            1 => SamplingTarget.Keep(q % (ids.Length + 1)),
            _ => SamplingTarget.KeepImages(q % (images + 1)),
        }
        let quota = useQuota == 0 ? null : new RealQuota(Math.Round(frac, 1), kind == 2 ? QuotaUnit.Images : QuotaUnit.Identities)
        select (ids, (SamplingProtocol)p, target, quota);

    [Fact]
    public void Fast_sampler_equals_reference_removal_order()
    {
        int compared = 0, withQuota = 0;
        Cases.Sample(c =>
        {
            SamplingResult fast;
            try { fast = IdentitySampler.Run(c.Ids, c.P, c.T, c.Q); }
            catch (UsageException) when (c.Q is not null) { return; } // infeasible quota: checked in unit tests
            var reference = ReferenceProtocols.RemovalOrder(c.Ids, c.P, c.T, c.Q);
            Assert.Equal(reference, fast.RemovalOrder);
            Interlocked.Increment(ref compared);
            if (c.Q is not null) Interlocked.Increment(ref withQuota);
        }, iter: 4000, threads: 1);
        Assert.True(compared > 2500 && withQuota > 1000, $"only {compared} cases compared ({withQuota} with a quota)");
    }

    [Fact]
    public void Removal_order_does_not_depend_on_input_order()
    {
        Gen.Select(Cases, Gen.Int).Sample(t =>
        {
            var (c, seed) = t;
            SamplingResult a;
            try { a = IdentitySampler.Run(c.Ids, c.P, c.T, c.Q); }
            catch (UsageException) { return; }
            var shuffled = c.Ids.ToArray();
            new Random(seed).Shuffle(shuffled);
            var b = IdentitySampler.Run(shuffled, c.P, c.T, c.Q);
            Assert.Equal(a.RemovalOrder.Select(i => c.Ids[i].Key), b.RemovalOrder.Select(i => shuffled[i].Key));
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void Targets_are_met_exactly()
    {
        Cases.Sample(c =>
        {
            SamplingResult r;
            try { r = IdentitySampler.Run(c.Ids, c.P, c.T, c.Q); }
            catch (UsageException) { return; }
            var keptImages = c.Ids.Where((_, i) => r.IsKept(i)).Sum(x => (long)x.ImageCount);
            switch (c.T.Kind)
            {
                case TargetKind.RemoveIdentities: Assert.Equal(c.T.Value, r.RemovalOrder.Count); break;
                case TargetKind.KeepIdentities: Assert.Equal(c.T.Value, r.KeptCount); break;
                case TargetKind.KeepImagesAtMost:
                    Assert.True(keptImages <= c.T.Value);
                    if (r.RemovalOrder.Count > 0) Assert.True(keptImages + c.Ids[r.RemovalOrder[^1]].ImageCount > c.T.Value);
                    break;
            }

            if (c.Q is { Unit: QuotaUnit.Identities } q)
            {
                // identity quotas are met exactly: real kept = round(fraction * kept)
                var keptReal = c.Ids.Where((x, i) => r.IsKept(i) && x.IsReal).Count();
                Assert.Equal((long)Math.Round(q.RealFraction * r.KeptCount, MidpointRounding.AwayFromZero), keptReal);
            }
        }, iter: 500, threads: 1);
    }
}
