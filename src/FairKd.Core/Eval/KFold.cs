namespace FairKd.Core.Eval;

/// <summary>Contiguous folds exactly as sklearn KFold(n_splits, shuffle=False): the first n % k folds get one extra item.</summary>
public static class KFold
{
    /// <summary>(start, count) of every held-out fold, in order. Throws when <paramref name="n"/> &lt; <paramref name="folds"/>.</summary>
    public static (int Start, int Count)[] Split(int n, int folds)
    {
        if (folds < 2) throw new ArgumentException($"folds must be >= 2 (got {folds})", nameof(folds));
        if (n < folds) throw new ArgumentException($"cannot split {n} pairs into {folds} folds", nameof(n));
        var result = new (int, int)[folds];
        var start = 0;
        for (var f = 0; f < folds; f++)
        {
            var count = n / folds + (f < n % folds ? 1 : 0);
            result[f] = (start, count);
            start += count;
        }

        return result;
    }
}
