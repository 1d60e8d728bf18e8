namespace FairKd.Core.Eval;

/// <summary>
/// ROC over all pairs with score = -distance. AUC is the trapezoid area under the empirical ROC (one vertex per distinct
/// distance), which equals the Mann-Whitney statistic with ties counted half (sklearn roc_auc_score). The stored curve is
/// downsampled to at most N vertices, spread evenly in log10(FAR) between 1/impostors and 1 (plus (0,0) and (1,1)), each
/// the last exact ROC vertex whose FAR does not exceed the grid value.
/// </summary>
public static class RocCurve
{
    /// <summary>AUC (null without both classes) and the compact curve (FAR ascending; empty without both classes).</summary>
    public static (double? Auc, IReadOnlyList<RocPoint> Curve) Compute(ReadOnlySpan<double> distances, ReadOnlySpan<bool> issame, int maxPoints)
    {
        var n = distances.Length;
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        var keys = distances.ToArray();
        Array.Sort(keys, order);
        var genuine = 0;
        foreach (var s in issame) genuine += s ? 1 : 0;
        var impostors = n - genuine;
        if (genuine == 0 || impostors == 0) return (null, []);

        // Walk ascending distance (descending score); each tie group adds one vertex.
        var vertices = new List<RocPoint>(Math.Min(n, 1 << 16)) { new(0, 0) };
        double wins = 0; // sum over genuine pairs of (#impostors with larger distance + 0.5 #impostors tied)
        int seenGenuine = 0, seenImpostor = 0;
        for (var i = 0; i < n;)
        {
            var j = i;
            int g = 0, h = 0;
            while (j < n && keys[j] == keys[i])
            {
                if (issame[order[j]]) g++;
                else h++;
                j++;
            }

            wins += g * (impostors - seenImpostor - h + 0.5 * h);
            seenGenuine += g;
            seenImpostor += h;
            vertices.Add(new RocPoint((double)seenImpostor / impostors, (double)seenGenuine / genuine));
            i = j;
        }

        return (wins / ((double)genuine * impostors), Downsample(vertices, impostors, maxPoints));
    }

    private static List<RocPoint> Downsample(List<RocPoint> vertices, int impostors, int maxPoints)
    {
        if (vertices.Count <= maxPoints) return vertices;
        var result = new List<RocPoint>(maxPoints) { vertices[0] };
        var lo = Math.Log10(1.0 / impostors);
        var steps = maxPoints - 2;
        var v = 0;
        for (var s = 0; s <= steps; s++)
        {
            var far = s == steps ? 1.0 : Math.Pow(10, lo + (0 - lo) * s / steps);
            while (v + 1 < vertices.Count && vertices[v + 1].Far <= far) v++;
            if (!vertices[v].Equals(result[^1])) result.Add(vertices[v]);
        }

        if (!result[^1].Equals(vertices[^1])) result.Add(vertices[^1]);
        return result;
    }
}
