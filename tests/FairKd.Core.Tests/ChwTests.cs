using FairKd.Core.Tensors;

namespace FairKd.Core.Tests;

public class ChwTests
{
    [Fact]
    public void Flip_reverses_each_row_of_each_channel_and_is_an_involution()
    {
        // 2 channels x 2 rows x 3 columns
        float[] src = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var dst = new float[12];
        Chw.FlipHorizontal(src, dst, 2, 2, 3);
        Assert.Equal([3f, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10], dst);
        var back = new float[12];
        Chw.FlipHorizontal(dst, back, 2, 2, 3);
        Assert.Equal(src, back);
    }

    [Fact]
    public void L2Normalise_returns_the_norm_and_a_unit_vector()
    {
        float[] v = [3, 4];
        var dst = new float[2];
        Assert.Equal(5f, Chw.L2Normalise(v, dst));
        Assert.Equal([0.6f, 0.8f], dst);
        Assert.False(Chw.AllFinite([1f, float.NaN]));
        Assert.True(Chw.AllFinite([1f, -2f]));
    }

    [Fact]
    public void Cosine_is_scale_free_and_defined_for_zero_vectors()
    {
        Assert.Equal(1.0, Chw.Cosine([1f, 2, 3], [2f, 4, 6]), 12);
        Assert.Equal(-1.0, Chw.Cosine([1f, 0], [-3f, 0]), 12);
        Assert.Equal(0.0, Chw.Cosine([1f, 0], [0f, 5]), 12);
        Assert.Equal(1.0, Chw.Cosine([0f, 0], [0f, 0]));
        Assert.Equal(0.0, Chw.Cosine([0f, 0], [1f, 0]));
        Assert.Throws<ArgumentException>(() => Chw.Cosine([1f], [1f, 2]));
    }
}
