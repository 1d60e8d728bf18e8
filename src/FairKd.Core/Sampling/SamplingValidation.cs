
namespace FairKd.Core.Sampling;

/// <summary>Input checks of <see cref="IdentitySampler"/>: each failure names the first offending identities and the count.</summary>
internal static class SamplingValidation
{
    private const int Shown = 5;

    public static void Validate(IReadOnlyList<SamplingIdentity> ids, SamplingProtocol protocol, SamplingTarget? target, RealQuota? quota)
    {
        Fail(ids.Where(x => x.ImageCount < 1), "identities have no images (image count must be at least 1)");
        Fail(ids.Where(x => x.Labels.HasNegative), "identities have negative soft-label sums");
        Fail(ids.Where(x => x.Labels == default), "identities have no soft labels (all four sums are 0)");
        if (protocol.UsesFolderGroups())
            Fail(ids.Where(x => x.FolderGroup is < 0 or > 3),
                $"identities have no folder group, which {protocol.Name()} needs (use a relabel_* protocol or multiple_forces)");
        var dup = ids.GroupBy(x => x.Key, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (dup.Count > 0)
            throw new UsageException($"{dup.Count} identity keys occur more than once: {string.Join(", ", dup.Take(Shown))}");
        if (target is null) return;
        var images = ids.Sum(x => (long)x.ImageCount);
        switch (target.Kind)
        {
            case TargetKind.RemoveIdentities when target.Value < 0 || target.Value > ids.Count:
                throw new UsageException($"target: cannot remove {target.Value} identities; {ids.Count} exist");
            case TargetKind.KeepIdentities when target.Value < 0 || target.Value > ids.Count:
                throw new UsageException($"target: cannot keep {target.Value} identities; only {ids.Count} exist");
            case TargetKind.KeepImagesAtMost when target.Value < 0 || target.Value > images:
                throw new UsageException($"target: cannot keep {target.Value} images; only {images} exist");
        }

        if (quota is null) return;
        if (!(quota.RealFraction is >= 0 and <= 1))
            throw new UsageException($"realFraction must be within [0, 1], got {quota.RealFraction}");
        if (quota.Unit == QuotaUnit.Images && target.Kind != TargetKind.KeepImagesAtMost)
            throw new UsageException("a real fraction by images needs a keepImages target");
        if (quota.Unit == QuotaUnit.Identities && target.Kind == TargetKind.KeepImagesAtMost)
            throw new UsageException("a real fraction by identities needs an identity target (keepIdentities or removeIdentities)");
    }

    /// <summary>Quota amounts per side (0 = real, 1 = synthetic); without a quota every identity is on side 0 and always removable.</summary>
    public static QuotaPlan PlanQuota(IReadOnlyList<SamplingIdentity> ids, SamplingTarget? target, RealQuota? quota)
    {
        if (quota is null || target is null) return new QuotaPlan(null, [0, 0], [0, 0]);
        var byImages = quota.Unit == QuotaUnit.Images;
        var finalAmount = target.Kind switch
        {
            TargetKind.RemoveIdentities => ids.Count - target.Value,
            _ => target.Value,
        };
        var real = (long)Math.Round(quota.RealFraction * finalAmount, MidpointRounding.AwayFromZero);
        long[] floor = [real, finalAmount - real];
        long[] available = [0, 0];
        foreach (var x in ids) available[x.IsReal ? 0 : 1] += byImages ? x.ImageCount : 1;
        string[] names = ["real", "synthetic"];
        for (var s = 0; s < 2; s++)
            if (floor[s] > available[s])
                throw new UsageException(
                    $"quota: the kept set needs {floor[s]} {names[s]} {(byImages ? "images" : "identities")} " +
                    $"(realFraction {quota.RealFraction} of {finalAmount}) but only {available[s]} exist");
        return new QuotaPlan(quota, floor, available);
    }

    private static void Fail(IEnumerable<SamplingIdentity> bad, string what)
    {
        var list = bad.ToList();
        if (list.Count > 0)
            throw new UsageException($"{list.Count} {what}: {string.Join(", ", list.Take(Shown).Select(x => x.Key))}");
    }
}

/// <summary>Mix-quota bookkeeping: side of an identity, its amount (1 or its images), and the floors.</summary>
internal sealed class QuotaPlan(RealQuota? quota, long[] floor, long[] available)
{
    public int SideOf(SamplingIdentity id) => quota is not null && !id.IsReal ? 1 : 0;

    public long Amount(SamplingIdentity id) => quota?.Unit == QuotaUnit.Images ? id.ImageCount : 1;

    public long[] InitialKept() => [.. available];

    /// <summary>A side may lose an identity only while its kept amount is above its floor.</summary>
    public bool Removable(int side, long[] kept) => quota is null ? side == 0 : kept[side] > floor[side];

    /// <summary>Kept-amount floors per side (real, synthetic).</summary>
    public IReadOnlyList<long> Floor => floor;
}
