using FairKd.Data.Eval;

namespace FairKd.Data.Tests.Eval;

public class VerificationFoldsTests
{
    [Fact]
    public void Six_thousand_pairs_give_ten_contiguous_blocks_of_600()
    {
        var folds = Enumerable.Range(0, 6000).Select(i => VerificationFolds.FoldOf(i, 6000)).ToArray();
        for (var f = 0; f < 10; f++) Assert.All(folds.AsSpan(f * 600, 600).ToArray(), x => Assert.Equal(f, x));
    }

    [Theory]
    [InlineData(23, new[] { 3, 3, 3, 2, 2, 2, 2, 2, 2, 2 })]
    [InlineData(10, new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    [InlineData(4, new[] { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 })]
    public void Fold_sizes_match_sklearn_kfold(int total, int[] sizes)
    {
        var folds = Enumerable.Range(0, total).Select(i => VerificationFolds.FoldOf(i, total)).ToArray();
        Assert.Equal(folds.Order(), folds); // contiguous, non-decreasing
        Assert.Equal(sizes, Enumerable.Range(0, 10).Select(f => folds.Count(x => x == f)));
    }
}
