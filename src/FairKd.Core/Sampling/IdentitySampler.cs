using FairKd.Core.Records;

namespace FairKd.Core.Sampling;

/// <summary>
/// Ethnicity-aware identity removal, as the study's utils/sampling_analysis.py defines it, in O((N + R) log N).
/// <para>Groups and scores (fixed point, see <see cref="LabelSum"/>): protocol_e/d score = sum of the folder group's
/// probability; protocol_a = its mean (<c>round(sum * 2^8 / images)</c>, units 2^-32); relabel_e/d and multiple_forces
/// assign the argmax of the summed vector, relabel_a of the mean vector, with ties going to the first in the order
/// Caucasian, Asian, Indian, African; the score is that component.</para>
/// <para>Each iteration removes one identity: the group is chosen among the groups that still have a removable
/// identity, by the protocol's statistic: the total score (protocol_e, relabel_e), the global vector total G_c
/// (multiple_forces; G = sum of the remaining identities' full vectors), both "strictly largest", or the mean of the
/// remaining identities' scores (protocol_a/d, relabel_a/d), "strictly lowest". If one group holds the strict
/// extreme it is chosen; otherwise (any tie) the default is African, i.e. the last candidate in the check order
/// Caucasian, Asian, Indian, African (a group with no removable identity takes no part). Statistics are over all
/// remaining identities of the group. From the chosen group the identity with the lowest (score, key ordinal) is
/// removed.</para>
/// <para>Mix quota (<see cref="RealQuota"/>): a side (real or synthetic) is removable only while its kept amount is
/// above its quota; when the chosen group's lowest identity is on a side that is not removable, the lowest identity of
/// that group on the other side is taken instead; a group with no identity on a removable side is not a candidate.</para>
/// </summary>
public static class IdentitySampler
{
    /// <summary>Check order in storage indices: Caucasian, Asian, Indian, African (the study's order; African last = default).</summary>
    public static readonly IReadOnlyList<int> CheckOrder =
        [EthnicGroups.IndexOf("Caucasian"), EthnicGroups.IndexOf("Asian"), EthnicGroups.IndexOf("Indian"), EthnicGroups.IndexOf("African")];

    /// <summary>Runs <paramref name="protocol"/> until <paramref name="target"/> is met (null target: keep all, only score).</summary>
    /// <exception cref="UsageException">invalid identities, infeasible target or quota.</exception>
    public static SamplingResult Run(IReadOnlyList<SamplingIdentity> identities, SamplingProtocol protocol, SamplingTarget? target,
        RealQuota? quota = null)
    {
        ArgumentNullException.ThrowIfNull(identities);
        SamplingValidation.Validate(identities, protocol, target, quota);
        var n = identities.Count;
        var group = new int[n];
        var score = new long[n];
        for (var i = 0; i < n; i++) (group[i], score[i]) = Assign(identities[i], protocol);

        var plan = SamplingValidation.PlanQuota(identities, target, quota);
        var order = new List<int>();
        if (target is not null) Remove(identities, protocol, target, plan, group, score, order);
        return new SamplingResult(identities, protocol, target, quota, group, score, [.. order]);
    }

    /// <summary>Group and fixed-point score of one identity under <paramref name="protocol"/>.</summary>
    public static (int Group, long Score) Assign(SamplingIdentity id, SamplingProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(id);
        var mean = protocol.UsesMeanScores();
        if (protocol.UsesFolderGroups())
            return (id.FolderGroup, Component(id, id.FolderGroup, mean));
        var best = CheckOrder[0];
        var bestValue = Component(id, best, mean);
        for (var k = 1; k < CheckOrder.Count; k++)
        {
            var v = Component(id, CheckOrder[k], mean);
            if (v > bestValue) (best, bestValue) = (CheckOrder[k], v);
        }

        return (best, bestValue);
    }

    private static long Component(SamplingIdentity id, int g, bool mean) =>
        mean ? MeanOf(id.Labels[g], id.ImageCount) : id.Labels[g];

    /// <summary>round(sum * 2^8 / images), half away from zero (sum is non-negative).</summary>
    internal static long MeanOf(long sum, int images) =>
        ((sum << SamplingProtocols.MeanExtraBits) + (images / 2)) / images;

    private static void Remove(IReadOnlyList<SamplingIdentity> ids, SamplingProtocol protocol, SamplingTarget target,
        QuotaPlan plan, int[] group, long[] score, List<int> order)
    {
        const int sides = 2; // side 0 = real, 1 = synthetic; without a quota everything is on side 0
        var n = ids.Count;
        // Per (group, side) queue: indices pre-sorted by (score, key ordinal); scores never change, so a cursor is a heap.
        var queues = new int[4 * sides][];
        var heads = new int[4 * sides];
        var buckets = new List<int>[4 * sides];
        for (var b = 0; b < buckets.Length; b++) buckets[b] = [];
        for (var i = 0; i < n; i++) buckets[(group[i] * sides) + plan.SideOf(ids[i])].Add(i);
        int Compare(int a, int b)
        {
            var c = score[a].CompareTo(score[b]);
            return c != 0 ? c : string.CompareOrdinal(ids[a].Key, ids[b].Key);
        }

        for (var b = 0; b < buckets.Length; b++)
        {
            queues[b] = [.. buckets[b]];
            Array.Sort(queues[b], Compare);
        }

        var count = new long[4];
        var total = new long[4];
        var forces = new long[4];
        for (var i = 0; i < n; i++)
        {
            count[group[i]]++;
            total[group[i]] += score[i];
            for (var g = 0; g < 4; g++) forces[g] += ids[i].Labels[g];
        }

        var kept = plan.InitialKept();
        var keptIds = (long)n;
        var keptImages = ids.Sum(x => (long)x.ImageCount);
        var candidates = new int[4];
        while (NeedsMore(target, order.Count, keptIds, keptImages))
        {
            var m = 0;
            foreach (var g in CheckOrder)
                if (HeadOf(g) >= 0) candidates[m++] = g;
            if (m == 0) throw new InvalidOperationException("no removable identity left before the target was met");
            var chosen = SamplingRule.Choose(protocol, candidates.AsSpan(0, m), count, total, forces);
            var k = HeadOf(chosen);
            var side = plan.SideOf(ids[k]);
            heads[(chosen * sides) + side]++;
            order.Add(k);
            count[chosen]--;
            total[chosen] -= score[k];
            for (var g = 0; g < 4; g++) forces[g] -= ids[k].Labels[g];
            kept[side] -= plan.Amount(ids[k]);
            keptIds--;
            keptImages -= ids[k].ImageCount;
        }

        int HeadOf(int g)
        {
            var best = -1;
            for (var s = 0; s < sides; s++)
            {
                if (!plan.Removable(s, kept)) continue;
                var q = queues[(g * sides) + s];
                var h = heads[(g * sides) + s];
                if (h >= q.Length) continue;
                if (best < 0 || Compare(q[h], best) < 0) best = q[h];
            }

            return best;
        }
    }

    internal static bool NeedsMore(SamplingTarget t, int removed, long keptIds, long keptImages) => t.Kind switch
    {
        TargetKind.RemoveIdentities => removed < t.Value,
        TargetKind.KeepIdentities => keptIds > t.Value,
        _ => keptImages > t.Value,
    };
}
