using FairKd.Core.Sampling;

namespace FairKd.Core.Tests.Sampling;

/// <summary>
/// Step-by-step reference of the removal protocols, written literally from the notes (synthgap-kd-repo-notes.md,
/// "Ethnicity-aware identity removal"): every iteration recomputes the group statistics from the remaining identities,
/// re-sorts the chosen group by (score, key) and walks the study's check order. Slow on purpose: O(R * N log N).
/// Groups use the study's column order here (Cau, Asi, Ind, Afr) and are mapped to storage order only at the end.
/// </summary>
public static class ReferenceProtocols
{
    // study column order -> storage index in EthnicGroups.Order (African, Asian, Caucasian, Indian)
    private static readonly int[] StudyToStorage = [2, 1, 3, 0];

    /// <summary>Input indices of <paramref name="ids"/> in the order the study's protocol removes them until <paramref name="target"/>
    /// is met (the expected <see cref="SamplingResult.RemovalOrder"/>); <paramref name="quota"/> is a Mix real-fraction floor.</summary>
    public static List<int> RemovalOrder(IReadOnlyList<SamplingIdentity> ids, SamplingProtocol protocol, SamplingTarget target, RealQuota? quota = null)
    {
        var n = ids.Count;
        var group = new int[n]; // study column index
        var score = new long[n];
        var vector = new long[n][]; // summed vector in study column order
        for (var i = 0; i < n; i++)
        {
            var v = new long[4];
            for (var c = 0; c < 4; c++) v[c] = ids[i].Labels[StudyToStorage[c]];
            vector[i] = v;
            var mean = protocol is SamplingProtocol.ProtocolA or SamplingProtocol.RelabelA;
            long Comp(int c) => mean ? ((v[c] * 256) + (ids[i].ImageCount / 2)) / ids[i].ImageCount : v[c];
            if (protocol is SamplingProtocol.ProtocolE or SamplingProtocol.ProtocolA or SamplingProtocol.ProtocolD)
            {
                group[i] = Array.IndexOf(StudyToStorage, ids[i].FolderGroup);
            }
            else
            {
                var best = 0;
                for (var c = 1; c < 4; c++)
                    if (Comp(c) > Comp(best)) best = c; // first wins on ties: Cau, Asi, Ind, Afr
                group[i] = best;
            }

            score[i] = Comp(group[i]);
        }

        var remaining = Enumerable.Range(0, n).ToList();
        var removed = new List<int>();
        long keptReal = 0, keptSynth = 0, floorReal = 0, floorSynth = 0;
        if (quota is not null)
        {
            long Amount(int i) => quota.Unit == QuotaUnit.Images ? ids[i].ImageCount : 1;
            keptReal = remaining.Where(i => ids[i].IsReal).Sum(Amount);
            keptSynth = remaining.Where(i => !ids[i].IsReal).Sum(Amount);
            var final = target.Kind == TargetKind.RemoveIdentities ? n - target.Value : target.Value;
            floorReal = (long)Math.Round(quota.RealFraction * final, MidpointRounding.AwayFromZero);
            floorSynth = final - floorReal;
        }

        while (true)
        {
            var keptImages = remaining.Sum(i => (long)ids[i].ImageCount);
            var more = target.Kind switch
            {
                TargetKind.RemoveIdentities => removed.Count < target.Value,
                TargetKind.KeepIdentities => remaining.Count > target.Value,
                _ => keptImages > target.Value,
            };
            if (!more) break;

            bool Removable(int i) => quota is null || (ids[i].IsReal ? keptReal > floorReal : keptSynth > floorSynth);

            // groups taking part: those with a removable identity, in check order Cau, Asi, Ind, Afr
            var part = Enumerable.Range(0, 4).Where(c => remaining.Any(i => group[i] == c && Removable(i))).ToList();
            var stat = new Dictionary<int, (long Total, long Count, long Force)>();
            foreach (var c in part)
            {
                var members = remaining.Where(i => group[i] == c).ToList();
                stat[c] = (members.Sum(i => score[i]), members.Count, remaining.Sum(i => vector[i][c]));
            }

            var largest = protocol is SamplingProtocol.ProtocolE or SamplingProtocol.RelabelE or SamplingProtocol.MultipleForces;
            var chosen = part[^1]; // African (or the last group taking part) by default
            foreach (var c in part)
            {
                var strict = part.Where(o => o != c).All(o => largest
                    ? (protocol == SamplingProtocol.MultipleForces ? stat[c].Force > stat[o].Force : stat[c].Total > stat[o].Total)
                    : (decimal)stat[c].Total / stat[c].Count < (decimal)stat[o].Total / stat[o].Count);
                if (strict) { chosen = c; break; }
            }

            var sorted = remaining.Where(i => group[i] == chosen)
                .OrderBy(i => score[i]).ThenBy(i => ids[i].Key, StringComparer.Ordinal).ToList();
            var k = sorted.First(Removable);
            remaining.Remove(k);
            removed.Add(k);
            if (quota is not null)
            {
                var a = quota.Unit == QuotaUnit.Images ? ids[k].ImageCount : 1;
                if (ids[k].IsReal) keptReal -= a; else keptSynth -= a;
            }
        }

        return removed;
    }

    /// <summary>Assigned group (storage index) per identity, from the reference's own computation.</summary>
    public static int StudyColumnToStorage(int c) => StudyToStorage[c];
}
