using FairKd.Torch.Losses;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Losses;

/// <summary>Behaviour beyond the golden batch: the Elastic margin source and AdaFace edge cases.</summary>
public class HeaderBehaviourTests
{
    [Fact]
    public void Elastic_margins_follow_n_m_sigma_and_replay_from_a_stored_state()
    {
        var source = new SeededNormal(42);
        var draws = new float[20000];
        source.FillNormal(draws, 0.5, 0.05);
        var mean = draws.Average();
        var std = Math.Sqrt(draws.Select(d => (d - mean) * (d - mean)).Average());
        Assert.Equal(0.5, mean, 0.002);
        Assert.Equal(0.05, std, 0.002);

        using var scope = NewDisposeScope();
        using var header = (ElasticArcFaceHeader)LossRegistry.Create("elasticarcface", 8, 5, new LossOptions(Seed: 3));
        var emb = nn.functional.normalize(randn(6, 8, generator: new Generator(1)), 2.0, 1, 1e-12);
        var labels = tensor(new long[] { 0, 1, 2, 3, 4, 0 });
        var saved = header.Random.State;
        var first = header.call(emb, ones(6, 1), labels);
        var second = header.call(emb, ones(6, 1), labels);
        Assert.True((first - second).abs().max().item<float>() > 1e-3, "fresh margins each call");
        header.Random.State = saved;
        var replay = header.call(emb, ones(6, 1), labels);
        Assert.Equal(0f, (first - replay).abs().max().item<float>());
    }

    [Fact]
    public void AdaFace_batch_of_one_keeps_the_running_std_and_stays_finite()
    {
        using var scope = NewDisposeScope();
        using var header = (AdaFaceHeader)LossRegistry.Create("adaface", 8, 5);
        var emb = nn.functional.normalize(randn(1, 8, generator: new Generator(2)), 2.0, 1, 1e-12);
        var logits = header.call(emb, full(1, 1, 30f), tensor(new long[] { 2 }));
        Assert.True(logits.isfinite().all().item<bool>());
        Assert.Equal(100f, header.RunningStd);
        Assert.Equal(0.01 * 30 + 0.99 * 20, header.RunningMean, 1e-4);
    }

    [Fact]
    public void Labels_out_of_range_are_rejected()
    {
        using var scope = NewDisposeScope();
        using var header = LossRegistry.Create("cosface", 8, 5);
        var emb = nn.functional.normalize(ones(2, 8), 2.0, 1, 1e-12);
        Assert.Throws<ArgumentException>(() => header.call(emb, ones(2, 1), tensor(new long[] { 0, 5 })));
        Assert.Throws<ArgumentException>(() => header.call(ones(2, 7), ones(2, 1), tensor(new long[] { 0, 1 })));
    }
}
