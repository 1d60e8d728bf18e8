using FairKd.Core;
using FairKd.Torch.Train;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Train;

/// <summary>Schedule, optimiser groups and backbone-only clipping.</summary>
[Collection(SerialTorchCollection.Name)]
public class OptimisationTests
{
    [Fact]
    public void Schedule_reproduces_the_study_off_by_one()
    {
        var schedule = new StudySchedule(new TrainerOptions { OutputDir = "x" }.Milestones);
        // synthgap-kd-repo-notes.md: epochs 0-6 x1, 7-12 x0.1, 13-18 x0.01, 19-23 x1e-3, 24-25 x1e-4
        double[] expected = [.. Enumerable.Repeat(1.0, 7), .. Enumerable.Repeat(0.1, 6), .. Enumerable.Repeat(0.01, 6),
            .. Enumerable.Repeat(1e-3, 5), .. Enumerable.Repeat(1e-4, 2)];
        Assert.Equal(26, expected.Length);
        for (var e = 0; e < 26; e++) Assert.Equal(expected[e], schedule.Factor(e), 12);
        Assert.Equal(0.1, new StudySchedule([3]).Factor(2), 12);
    }

    [Fact]
    public void Optimiser_has_backbone_and_header_groups_with_study_settings()
    {
        using var h = new TrainerHarness(configure: o => o with { BatchSize = 128 });
        var groups = h.Trainer.Optimizer.ParamGroups.Cast<SGD.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal(h.Backbone.parameters().Sum(p => p.numel()), groups[0].Parameters.Sum(p => p.numel()));
        Assert.Equal(h.Header.kernel.numel(), Assert.Single(groups[1].Parameters).numel());
        foreach (var g in groups)
        {
            var o = (SGD.Options)g.Options;
            Assert.Equal(0.025, g.LearningRate, 12); // 0.1 * 128 / 512
            Assert.Equal(0.9, o.momentum);
            Assert.Equal(5e-4, o.weight_decay);
            Assert.Equal(0.0, o.dampening);
            Assert.False(o.nesterov);
        }
    }

    [Fact]
    public void Sgd_step_applies_lr_and_weight_decay_to_both_groups()
    {
        // first SGD step (momentum buffer = gradient): p' = p - lr * (grad + wd * p), grad as left after clipping
        using var h = new TrainerHarness(configure: o => o with { BatchSize = 512, WeightDecay = 0.5 });
        var tracked = new[] { h.Header.kernel, h.Backbone.parameters().First() };
        var before = tracked.Select(p => p.detach().clone()).ToArray();
        var m = h.Trainer.Step(TrainerHarness.Data(1).Batch(0, 0));
        Assert.Equal(0.1, m.LearningRate, 12);
        for (var i = 0; i < tracked.Length; i++)
        {
            using var expected = before[i] - (tracked[i].grad! + before[i] * 0.5) * 0.1;
            using var withoutDecay = before[i] - tracked[i].grad! * 0.1;
            var err = (tracked[i].detach() - expected).abs().max().item<float>();
            var decayEffect = (expected - withoutDecay).abs().max().item<float>();
            Assert.True(err < 1e-5 && decayEffect > 100 * err, $"param {i}: error {err}, decay effect {decayEffect}");
        }
    }

    [Fact]
    public void Lr_follows_the_epoch_of_the_batch()
    {
        using var h = new TrainerHarness(configure: o => o with { BatchSize = 512, Epochs = 26 });
        var data = TrainerHarness.Data(1);
        Assert.Equal(0.1, h.Trainer.Step(data.Batch(6, 0)).LearningRate, 12);
        Assert.Equal(0.01, h.Trainer.Step(data.Batch(7, 0)).LearningRate, 12);
        Assert.Equal(1e-5, h.Trainer.Step(data.Batch(25, 0)).LearningRate, 12);
        Assert.All(h.Trainer.Optimizer.ParamGroups, g => Assert.Equal(1e-5, g.LearningRate, 12));
    }

    [Fact]
    public void Only_the_backbone_gradients_are_clipped()
    {
        using var h = new TrainerHarness(configure: o => o with { ClipNorm = 0.01 });
        var m = h.Trainer.Step(TrainerHarness.Data(1).Batch(0, 0));
        Assert.True(m.BackboneGradNorm > 0.01, $"pre-clip norm {m.BackboneGradNorm}");
        Assert.True(GradNorm(h.Backbone) <= 0.01 * 1.001, $"backbone after clip {GradNorm(h.Backbone)}");
        Assert.True(GradNorm(h.Header) > 0.05, $"header {GradNorm(h.Header)}");
    }

    [Fact]
    public void Bad_options_are_usage_errors()
    {
        var ok = new TrainerOptions { OutputDir = "out" };
        ok.Validate();
        Assert.Throws<UsageException>(() => (ok with { Epochs = 0 }).Validate());
        Assert.Throws<UsageException>(() => (ok with { BaseLr = double.NaN }).Validate());
        Assert.Throws<UsageException>(() => (ok with { OutputDir = " " }).Validate());
        Assert.Equal(0.025, ok.ScaledLr, 12);
        Assert.Equal(10000, ok.EffectiveKdLambda);
    }

    private static double GradNorm(nn.Module m) =>
        Math.Sqrt(m.parameters().Where(p => p.grad is not null).Sum(p => p.grad!.pow(2).sum().item<float>()));
}
