using FairKd.Core.Records;

namespace FairKd.Core.Tests.Records;

public class TrainBatchTests
{
    private static TrainBatch Valid(float[]? targets = null) =>
        new(0, 0, 2, new float[2 * 3 * 4 * 4], 4, [0, 1], targets, [false, true], ["a", "b"]);

    [Fact]
    public void A_consistent_batch_has_no_problem_and_reports_its_target_width()
    {
        Assert.Null(Valid().Problem());
        Assert.Equal(0, Valid().TargetWidth);
        Assert.Equal(512, Valid(new float[2 * 512]).TargetWidth);
    }

    [Fact]
    public void Size_mismatches_are_named()
    {
        Assert.Contains("images", (Valid() with { Size = 5 }).Problem(), StringComparison.Ordinal);
        Assert.Contains("labels", (Valid() with { Labels = [1] }).Problem(), StringComparison.Ordinal);
        Assert.Contains("teacher targets", Valid(new float[3]).Problem(), StringComparison.Ordinal);
        Assert.Contains("flipped", (Valid() with { Flipped = [true] }).Problem(), StringComparison.Ordinal);
        Assert.Contains("keys", (Valid() with { Keys = [] }).Problem(), StringComparison.Ordinal);
        Assert.Contains("count", (Valid() with { Count = 0 }).Problem(), StringComparison.Ordinal);
    }
}
