using FairKd.Torch.Train;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Train;

/// <summary>The loop: learning, resume equivalence, divergence guard, cancellation.</summary>
[Collection(SerialTorchCollection.Name)]
public class TrainerLoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private const double DropoutP = 0.1;

    [Theory]
    [InlineData("arcface")]
    [InlineData("adaface")]
    public async Task Loss_falls_over_a_few_hundred_steps_on_a_separable_problem(string loss)
    {
        using var h = new TrainerHarness(loss, configure: o => o with { BaseLr = 0.1, BatchSize = 512 });
        var losses = new List<float>();
        h.Trainer.OnStep = m => losses.Add(m.Loss);
        var summary = await h.Trainer.RunAsync(TrainerHarness.Data(100).Epochs(0, 3)).WaitAsync(Timeout);
        Assert.Equal(300, summary.Steps);
        var first = losses.Take(20).Average();
        var last = losses.TakeLast(20).Average();
        Assert.True(last < 0.3 * first, $"loss {first:F3} -> {last:F3}");
        Assert.True(summary.DataWaitShare is >= 0 and < 1);
    }

    [Theory]
    [InlineData("elasticarcface")] // header random state
    [InlineData("adaface")] // header running statistics (buffers)
    public async Task Resumed_run_repeats_the_uninterrupted_losses(string loss)
    {
        var data = TrainerHarness.Data(6);
        var straight = new List<StepMetrics>();
        using (var a = new TrainerHarness(loss, dropout: DropoutP))
        {
            a.Trainer.OnStep = straight.Add;
            await a.Trainer.RunAsync(data.Epochs(0, 2)).WaitAsync(Timeout);
        }

        using var dir = new FairKd.Tests.Shared.TempDir("resume");
        using (var b = new TrainerHarness(loss, dropout: DropoutP, dir: dir))
            await b.Trainer.RunAsync(data.Epochs(0, 1)).WaitAsync(Timeout);
        random.manual_seed(987654); // scramble the global generator: resume must restore it
        var resumed = new List<StepMetrics>();
        using (var c = new TrainerHarness(loss, seed: 77, dropout: DropoutP, dir: dir))
        {
            var latest = CheckpointStore.FindLatest(Path.Combine(dir.Path, "checkpoints"));
            Assert.NotNull(latest);
            c.Trainer.Resume(latest);
            Assert.Equal((0, 6, 6L), (c.Trainer.State.NextEpoch, c.Trainer.State.NextStep, c.Trainer.State.GlobalStep));
            c.Trainer.OnStep = resumed.Add;
            var summary = await c.Trainer.RunAsync(data.Epochs(0, 2)).WaitAsync(Timeout); // epoch 0 is skipped
            Assert.Equal(6, summary.SkippedBatches);
        }

        var expected = straight.Where(m => m.Epoch == 1).ToList();
        Assert.Equal(6, expected.Count);
        Assert.Equal(expected.Count, resumed.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].GlobalStep, resumed[i].GlobalStep);
            Assert.True(Math.Abs(expected[i].Loss - resumed[i].Loss) <= 1e-6, $"step {i}: {expected[i].Loss} vs {resumed[i].Loss}");
            Assert.Equal(expected[i].LearningRate, resumed[i].LearningRate);
        }
    }

    [Fact]
    public async Task Nan_loss_stops_with_diverged_error_and_keeps_the_last_checkpoint_loadable()
    {
        var data = TrainerHarness.Data(3);
        using var h = new TrainerHarness();
        var bad = data.Batch(1, 1);
        bad.Images[7] = float.NaN;
        async IAsyncEnumerable<FairKd.Core.Records.TrainBatch> Stream()
        {
            await foreach (var b in data.Epochs(0, 1)) yield return b;
            yield return data.Batch(1, 0);
            yield return bad;
            yield return data.Batch(1, 2);
        }

        var ex = await Assert.ThrowsAsync<TrainingDivergedException>(() => h.Trainer.RunAsync(Stream()).WaitAsync(Timeout));
        Assert.Equal((1, 1), (ex.Epoch, ex.Step));
        Assert.Contains("NaN", ex.Message, StringComparison.Ordinal);
        // a NaN pixel gives the same NaN when the step is replayed: the data, not the host
        var replay = DivergenceReplay.Read(Path.Combine(h.Dir.Path, DivergenceReplay.FileName));
        Assert.Equal((1, 1, 5L, "loss", true), (replay.Epoch, replay.Step, replay.GlobalStep, replay.Quantity, replay.SameTwice));
        Assert.True(double.IsNaN(replay.First) && double.IsNaN(replay.Replayed));
        Assert.Contains("computed the same value again", ex.Message, StringComparison.Ordinal);
        var host = FairKd.Torch.Runtime.HostRecord.Read(Path.Combine(h.Dir.Path, FairKd.Torch.Runtime.HostRecord.FileName));
        Assert.Equal(Environment.ProcessorCount, host.Host.LogicalCores);
        Assert.False(string.IsNullOrEmpty(host.Torch.LibTorch));
        Assert.False(string.IsNullOrEmpty(host.OneDnnIsa));
        var checkpoints = CheckpointStore.List(Path.Combine(h.Dir.Path, "checkpoints"));
        Assert.Equal(ex.LastCheckpoint, Assert.Single(checkpoints)); // the epoch-0 checkpoint, nothing after the failure
        Assert.Equal(3, CheckpointStore.ReadState(checkpoints[0]).GlobalStep);
        using var fresh = new TrainerHarness(dir: h.Dir);
        fresh.Trainer.Resume(checkpoints[0]);
        Assert.True(float.IsFinite(fresh.Trainer.Step(data.Batch(1, 0)).Loss));
    }

    [Fact]
    public void A_step_that_is_not_finite_once_but_finite_on_replay_is_recorded_as_a_host_fault()
    {
        using var dir = new FairKd.Tests.Shared.TempDir("flaky");
        FairKd.Torch.Train.Trainer.SeedTorch(1);
        using var backbone = new TinyNet(TrainerHarness.Size, TrainerHarness.Embedding, 1);
        using var header = new FlakyHeader(TrainerHarness.Embedding, TrainerHarness.Classes);
        using var trainer = new FairKd.Torch.Train.Trainer(backbone, header,
            new TrainerOptions { OutputDir = dir.Path, BatchSize = TrainerHarness.Batch, Epochs = 1, Seed = 1, TensorBoard = false });
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Step(TrainerHarness.Data(2).Batch(0, 0)));
        Assert.Contains("does not compute this step the same way twice", ex.Message, StringComparison.Ordinal);
        var replay = DivergenceReplay.Read(Path.Combine(dir.Path, DivergenceReplay.FileName));
        Assert.False(replay.SameTwice);
        Assert.True(double.IsNaN(replay.First) && double.IsFinite(replay.Replayed), $"{replay.First} then {replay.Replayed}");
    }

    /// <summary>An ArcFace header whose first forward returns NaN logits (a host that miscomputes once).</summary>
    private sealed class FlakyHeader(int embedding, int classes) : FairKd.Torch.Losses.MarginHeader("Flaky", embedding, classes, 64.0, 1)
    {
        private readonly FairKd.Torch.Losses.ArcFaceHeader inner = new(embedding, classes, seed: 1);
        private int calls;

        public override Tensor forward(Tensor embeddings, Tensor norms, Tensor labels)
        {
            var logits = inner.forward(embeddings, norms, labels);
            return calls++ == 0 ? logits.mul(FairKd.Torch.Interop.Scalars.Of(double.NaN)) : logits;
        }
    }

    [Fact]
    public async Task Cancellation_writes_a_mid_epoch_checkpoint_and_resume_skips_done_steps()
    {
        var data = TrainerHarness.Data(5);
        using var h = new TrainerHarness();
        using var cts = new CancellationTokenSource();
        h.Trainer.OnStep = m => { if (m.GlobalStep == 3) cts.Cancel(); };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Trainer.RunAsync(data.Epochs(0, 2, cts.Token), cts.Token).WaitAsync(Timeout));
        var latest = CheckpointStore.FindLatest(Path.Combine(h.Dir.Path, "checkpoints"))!;
        var state = CheckpointStore.ReadState(latest);
        Assert.Equal((0, 3, 3L), (state.NextEpoch, state.NextStep, state.GlobalStep));
        using var r = new TrainerHarness(dir: h.Dir);
        r.Trainer.Resume(latest);
        var seen = new List<(int, int)>();
        r.Trainer.OnStep = m => seen.Add((m.Epoch, m.Step));
        var summary = await r.Trainer.RunAsync(data.Epochs(0, 1)).WaitAsync(Timeout);
        Assert.Equal(3, summary.SkippedBatches);
        Assert.Equal([(0, 3), (0, 4)], seen);
    }

    [Fact]
    public async Task A_failing_batch_source_keeps_the_progress_in_a_checkpoint()
    {
        var data = TrainerHarness.Data(5);
        using var h = new TrainerHarness();
        async IAsyncEnumerable<FairKd.Core.Records.TrainBatch> Failing()
        {
            for (var s = 0; s < 3; s++) yield return data.Batch(0, s);
            await Task.Yield();
            throw new IOException("disk gone");
        }

        await Assert.ThrowsAsync<IOException>(() => h.Trainer.RunAsync(Failing()).WaitAsync(Timeout));
        var state = CheckpointStore.ReadState(CheckpointStore.FindLatest(h.Trainer.CheckpointRoot)!);
        Assert.Equal((0, 3), (state.NextEpoch, state.NextStep));
    }

    [Fact]
    public async Task Batches_beyond_the_configured_epochs_are_refused()
    {
        using var h = new TrainerHarness(configure: o => o with { Epochs = 1 });
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Trainer.RunAsync(TrainerHarness.Data(2).Epochs(0, 2)).WaitAsync(Timeout));
        Assert.Contains("1 epochs", ex.Message, StringComparison.Ordinal);
    }
}
