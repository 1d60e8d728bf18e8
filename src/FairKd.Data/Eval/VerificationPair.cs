namespace FairKd.Data.Eval;

/// <summary>
/// One verification pair of an evaluation list: two image paths relative to the list's image root ('/'
/// separators), whether they show the same person, and the fold (0..9) of the 10-fold protocol.
/// </summary>
public sealed record VerificationPair(string PathA, string PathB, bool Same, int Fold);

/// <summary>
/// Contiguous folds as sklearn <c>KFold(n_splits, shuffle=False)</c> (used by the InsightFace verification):
/// fold sizes are <c>n / k</c>, the first <c>n % k</c> folds one larger; 6000 pairs give 10 blocks of 600.
/// With fewer pairs than folds the last folds are empty.
/// </summary>
public static class VerificationFolds
{
    /// <summary>The protocol's number of folds.</summary>
    public const int Count = 10;

    /// <summary>Fold of pair <paramref name="index"/> among <paramref name="total"/> pairs.</summary>
    public static int FoldOf(int index, int total, int folds = Count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, total);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 1);
        int size = total / folds, extra = total % folds;
        var bigSpan = extra * (size + 1);
        return index < bigSpan ? index / (size + 1) : extra + ((index - bigSpan) / size);
    }

    /// <summary>Assigns folds to pairs listed in order (their <see cref="VerificationPair.Fold"/> is replaced).</summary>
    public static IReadOnlyList<VerificationPair> Assign(IReadOnlyList<(string A, string B, bool Same)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var result = new VerificationPair[pairs.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = new VerificationPair(pairs[i].A, pairs[i].B, pairs[i].Same, FoldOf(i, result.Length));
        return result;
    }
}
