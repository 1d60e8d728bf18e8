namespace FairKd.Core.Sampling;

/// <summary>The group-choice rule: a unique strict extreme of the protocol's statistic, else the last candidate in check order.</summary>
internal static class SamplingRule
{
    /// <summary>
    /// <paramref name="candidates"/> are group indices in check order (Caucasian, Asian, Indian, African), only groups
    /// that have a removable identity. Totals are exact integers; means are compared by cross-multiplication.
    /// </summary>
    public static int Choose(SamplingProtocol protocol, ReadOnlySpan<int> candidates, long[] count, long[] total, long[] forces)
    {
        var best = candidates[0];
        var unique = true;
        for (var k = 1; k < candidates.Length; k++)
        {
            var g = candidates[k];
            var c = Better(protocol, g, best, count, total, forces);
            if (c > 0) (best, unique) = (g, true);
            else if (c == 0) unique = false;
        }

        return unique ? best : candidates[^1];
    }

    /// <summary>&gt; 0 if group a is more extreme than b (larger total, or lower mean), 0 if tied.</summary>
    private static int Better(SamplingProtocol p, int a, int b, long[] count, long[] total, long[] forces)
    {
        switch (p)
        {
            case SamplingProtocol.ProtocolE:
            case SamplingProtocol.RelabelE:
                return total[a].CompareTo(total[b]);
            case SamplingProtocol.MultipleForces:
                return forces[a].CompareTo(forces[b]);
            default:
                // lower mean wins: total[a]/count[a] < total[b]/count[b]  <=>  total[a]*count[b] < total[b]*count[a]
                var left = (Int128)total[a] * count[b];
                var right = (Int128)total[b] * count[a];
                return right.CompareTo(left);
        }
    }
}
