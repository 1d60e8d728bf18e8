using FairKd.Core.Tensors;
using FairKd.Torch.Losses;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Train;

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

    [Fact]
    public void Unit_weights_give_the_unweighted_loss_and_unlabelled_rows_need_margin_weight_zero()
    {
        using var h = new TrainerHarness(dropout: 0);
        using var other = new TinyNet(TrainerHarness.Size, TrainerHarness.Embedding, 99, 0);
        var batch = TrainerHarness.Data(1).Batch(0, 0);
        batch = batch with { TeacherTargets = Targets(other, batch.Images, batch.Count) };
        using var probe = new TrainerHarness(dropout: 0, dir: h.Dir);
        probe.Backbone.load_state_dict(h.Backbone.state_dict());
        var plain = probe.Trainer.Step(batch);
        var ones = Enumerable.Repeat(1f, batch.Count).ToArray();
        var weighted = h.Trainer.Step(batch with { MarginWeights = ones, KdWeights = ones });
        Assert.Equal(plain.MarginLoss, weighted.MarginLoss, 1e-4);
        Assert.True(Math.Abs(plain.KdLoss - weighted.KdLoss) <= 1e-5 * plain.KdLoss, $"kd {plain.KdLoss} vs {weighted.KdLoss}");

        // half the images unlabelled (label -1): they carry KD only, and a margin weight > 0 on them is refused
        var labels = (long[])batch.Labels.Clone();
        var margin = (float[])ones.Clone();
        for (var i = 0; i < batch.Count; i += 2) (labels[i], margin[i]) = (-1, 0f);
        var half = h.Trainer.Step(batch with { Step = 1, Labels = labels, MarginWeights = margin });
        // the labelled half still carries a margin term (a run without labelled rows has exactly 0, as in the KD-only test below)
        Assert.True(half.MarginLoss > 0 && half.KdLoss > 0 && float.IsFinite(half.Loss), $"{half}");
        Assert.Contains("no label", Assert.Throws<ArgumentException>(() => h.Trainer.Step(batch with { Step = 2, Labels = labels })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kd_only_training_moves_the_student_to_the_teacher_and_never_touches_the_header()
    {
        using var h = new TrainerHarness(loss: KdOnlyHeader.LossName, dropout: 0);
        var rng = new Random(11); // the teacher: a fixed unit vector per image
        var targets = new float[TrainerHarness.Batch * TrainerHarness.Embedding];
        for (var i = 0; i < TrainerHarness.Batch; i++)
        {
            var row = targets.AsSpan(i * TrainerHarness.Embedding, TrainerHarness.Embedding);
            for (var d = 0; d < row.Length; d++) row[d] = (float)(rng.NextDouble() - 0.5);
            var norm = MathF.Sqrt(row.ToArray().Sum(v => v * v));
            for (var d = 0; d < row.Length; d++) row[d] /= norm;
        }

        var kernel = h.Header.kernel.data<float>().ToArray();
        var data = TrainerHarness.Data(1);
        var kd = new List<float>();
        for (var step = 0; step < 40; step++)
        {
            var b = data.Batch(0, 0);
            b = b with
            {
                Step = step, Labels = Enumerable.Repeat(-1L, b.Count).ToArray(), MarginWeights = new float[b.Count],
                TeacherTargets = targets,
            };
            var m = h.Trainer.Step(b);
            Assert.Equal(0f, m.MarginLoss);
            kd.Add(m.KdLoss);
        }

        Assert.True(kd.TakeLast(5).Average() < 0.5 * kd.Take(5).Average(), $"kd {string.Join(" ", kd)}");
        Assert.Equal(kernel, h.Header.kernel.data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => h.Trainer.Step(data.Batch(0, 0) with { Step = 40 })); // no targets: nothing to learn from
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
