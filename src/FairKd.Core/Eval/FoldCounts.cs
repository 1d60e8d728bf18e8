namespace FairKd.Core.Eval;

/// <summary>
/// Per-fold cumulative counts of accepted pairs (distance &lt; threshold i) for a threshold grid i * step, built from one
/// binary search per pair and prefix sums. Accepted(fold, i) counts pairs of that fold whose distance is below threshold i.
/// </summary>
internal sealed class FoldCounts
{
    private readonly int[] _genuineCum;   // [fold * T + i]
    private readonly int[] _impostorCum;
    private readonly int[] _totalGenuineCum;
    private readonly int[] _totalImpostorCum;

    private FoldCounts(int thresholds, int folds)
    {
        Thresholds = thresholds;
        _genuineCum = new int[folds * thresholds];
        _impostorCum = new int[folds * thresholds];
        _totalGenuineCum = new int[thresholds];
        _totalImpostorCum = new int[thresholds];
        Genuine = new int[folds];
        Impostors = new int[folds];
    }

    public int Thresholds { get; }
    public int TotalPairs { get; private set; }
    public int TotalImpostors { get; private set; }
    public int[] Genuine { get; }
    public int[] Impostors { get; }

    public int GenuineAccepted(int fold, int i) => _genuineCum[fold * Thresholds + i];
    public int ImpostorAccepted(int fold, int i) => _impostorCum[fold * Thresholds + i];
    public int TotalGenuineAccepted(int i) => _totalGenuineCum[i];
    public int TotalImpostorAccepted(int i) => _totalImpostorCum[i];

    /// <summary>Threshold grid value i (numpy arange semantics: 0 + i * step).</summary>
    public static double GridValue(int i, double step) => i * step;

    /// <summary>Index of the first grid threshold strictly above <paramref name="d"/> (pairs are accepted from it on); count when none.</summary>
    public static int FirstAccepting(double d, int count, double step)
    {
        int lo = 0, hi = count; // invariant: grid[lo-1] <= d, grid[hi] > d
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (GridValue(mid, step) <= d) lo = mid + 1;
            else hi = mid;
        }

        return lo;
    }

    public static FoldCounts Build(ReadOnlySpan<double> distances, ReadOnlySpan<bool> issame, (int Start, int Count)[] folds, int thresholds, double step)
    {
        var c = new FoldCounts(thresholds, folds.Length) { TotalPairs = distances.Length };
        for (var f = 0; f < folds.Length; f++)
        {
            var baseIx = f * thresholds;
            for (var k = folds[f].Start; k < folds[f].Start + folds[f].Count; k++)
            {
                var b = FirstAccepting(distances[k], thresholds, step);
                if (issame[k]) c.Genuine[f]++;
                else c.Impostors[f]++;
                if (b == thresholds) continue; // never accepted on this grid
                if (issame[k]) c._genuineCum[baseIx + b]++;
                else c._impostorCum[baseIx + b]++;
            }

            for (var i = 1; i < thresholds; i++)
            {
                c._genuineCum[baseIx + i] += c._genuineCum[baseIx + i - 1];
                c._impostorCum[baseIx + i] += c._impostorCum[baseIx + i - 1];
            }

            for (var i = 0; i < thresholds; i++)
            {
                c._totalGenuineCum[i] += c._genuineCum[baseIx + i];
                c._totalImpostorCum[i] += c._impostorCum[baseIx + i];
            }

            c.TotalImpostors += c.Impostors[f];
        }

        return c;
    }
}
