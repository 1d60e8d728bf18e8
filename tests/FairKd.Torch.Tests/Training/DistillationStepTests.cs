using FairKd.Core.Records;
using FairKd.Core.Tensors;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Training;

/// <summary>The KD term inside the trainer step: zero for a copy of the teacher, row i paired with image i as given (flips).</summary>
[Collection(SerialTorchCollection.Name)]
public class DistillationStepTests
{
    [Fact]
    public void Student_copy_of_the_teacher_has_kd_loss_near_zero()
    {
        using var h = new TrainerHarness(dropout: 0);
        using var teacher = CopyOf(h.Backbone);
        var batch = TrainerHarness.Data(1).Batch(0, 0);
        var m = h.Trainer.Step(batch with { TeacherTargets = Targets(teacher, batch.Images, batch.Count) });
        Assert.True(m.KdLoss < 1e-3, $"kd {m.KdLoss}");
        Assert.True(m.MarginLoss > 0.1);
        Assert.Equal(m.MarginLoss + m.KdLoss, m.Loss, 1e-4);
        // a second, different teacher gives a large KD term (the test can fail)
        using var other = new TinyNet(TrainerHarness.Size, TrainerHarness.Embedding, 99, 0);
        var m2 = h.Trainer.Step(batch with { Step = 1, TeacherTargets = Targets(other, batch.Images, batch.Count) });
        Assert.True(m2.KdLoss > 100, $"kd {m2.KdLoss}");
    }

    [Fact]
    public void Flipped_images_use_the_target_row_the_producer_supplied()
    {
        using var h = new TrainerHarness(dropout: 0);
        using var teacher = CopyOf(h.Backbone);
        var original = TrainerHarness.Data(1).Batch(0, 0);
        int n = original.Count, s = original.Size, pixels = 3 * s * s;
        var images = (float[])original.Images.Clone();
        var flipped = new bool[n];
        for (var i = 0; i < n; i += 2)
        {
            flipped[i] = true;
            Chw.FlipHorizontal(original.Images.AsSpan(i * pixels, pixels), images.AsSpan(i * pixels, pixels), 3, s, s);
        }

        // the producer's targets: the teacher's embedding of each image as the student sees it (flipped where flipped)
        var flippedTargets = Targets(teacher, images, n);
        // a wrong producer: targets of the unflipped images
        var unflippedTargets = Targets(teacher, original.Images, n);
        var batch = original with { Images = images, Flipped = flipped, TeacherTargets = flippedTargets };

        using var probe = new TrainerHarness(dropout: 0, dir: h.Dir);
        probe.Backbone.load_state_dict(h.Backbone.state_dict());
        var wrong = probe.Trainer.Step(batch with { TeacherTargets = unflippedTargets });
        var right = h.Trainer.Step(batch);
        Assert.Equal(n / 2, right.FlippedCount);
        Assert.True(right.KdLoss < 1e-3, $"kd with flipped targets {right.KdLoss}");
        Assert.True(wrong.KdLoss > 10 * Math.Max(right.KdLoss, 1e-3), $"kd with unflipped targets {wrong.KdLoss}");
    }

    private static TinyNet CopyOf(TinyNet source)
    {
        var copy = new TinyNet(TrainerHarness.Size, TrainerHarness.Embedding, 12345, 0);
        copy.load_state_dict(source.state_dict());
        return copy;
    }

    /// <summary>Teacher embeddings (train-mode BN, same batch, as the student's step sees it), L2-normalised, [n, D].</summary>
    private static float[] Targets(TinyNet teacher, float[] images, int n)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        teacher.train();
        var x = tensor(images, [n, 3, TrainerHarness.Size, TrainerHarness.Size]);
        return nn.functional.normalize(teacher.call(x), 2.0, 1, 1e-12).data<float>().ToArray();
    }
}
