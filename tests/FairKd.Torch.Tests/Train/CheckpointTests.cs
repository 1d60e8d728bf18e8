using System.Threading.Channels;
using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Torch.Train;
using MessagePack;

namespace FairKd.Torch.Tests.Train;

/// <summary>Checkpoint folders: atomic layout, state file, pruning, refusal of foreign or malformed checkpoints.</summary>
[Collection(SerialTorchCollection.Name)]
public class CheckpointTests
{
    [Fact]
    public async Task A_checkpoint_per_epoch_from_a_channel_with_complete_files_and_no_temp_folders()
    {
        using var h = new TrainerHarness(configure: o => o with { KeepCheckpoints = 2 });
        var channel = Channel.CreateBounded<TrainBatch>(2);
        var data = TrainerHarness.Data(2);
        var producer = Task.Run(async () =>
        {
            await foreach (var b in data.Epochs(0, 3)) await channel.Writer.WriteAsync(b);
            channel.Writer.Complete();
        });
        var summary = await h.Trainer.RunAsync(channel.Reader).WaitAsync(TimeSpan.FromMinutes(1));
        await producer;
        Assert.Equal(6, summary.Steps);
        var root = Path.Combine(h.Dir.Path, "checkpoints");
        var all = CheckpointStore.List(root);
        Assert.Equal(2, all.Count); // 3 written (epoch ends), 2 kept
        Assert.Empty(Directory.GetDirectories(root, ".tmp-*"));
        Assert.Equal(summary.LastCheckpoint, all[^1]);
        foreach (var f in new[] { CheckpointStore.Backbone, CheckpointStore.Header, CheckpointStore.Optimizer, CheckpointStore.State })
            Assert.True(new FileInfo(Path.Combine(all[^1], f)).Length > 0, f);
        var state = CheckpointStore.ReadState(all[^1]);
        Assert.Equal((2, 2, 6L, 96L), (state.NextEpoch, state.NextStep, state.GlobalStep, state.ImagesSeen));
        Assert.Equal(CheckpointState.CurrentSchema, state.SchemaVersion);
        Assert.Equal([8, 14, 20, 25], state.Milestones);
        Assert.Equal("ArcFace", state.HeaderName);
        Assert.NotEmpty(state.TorchRngState);
    }

    [Fact]
    public void Resume_refuses_a_checkpoint_of_another_model_or_a_malformed_state()
    {
        using var h = new TrainerHarness();
        h.Trainer.Step(TrainerHarness.Data(1).Batch(0, 0));
        var folder = h.Trainer.SaveCheckpoint();
        using (var other = new TrainerHarness("cosface"))
            Assert.Contains("ArcFace", Assert.Throws<UsageException>(() => other.Trainer.Resume(folder)).Message, StringComparison.Ordinal);
        var statePath = Path.Combine(folder, CheckpointStore.State);
        var state = CheckpointStore.ReadState(folder);
        state.SchemaVersion = 99;
        File.WriteAllBytes(statePath, MessagePackSerializer.Serialize(state));
        Assert.Contains("schema 99", Assert.Throws<UsageException>(() => CheckpointStore.ReadState(folder)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(statePath, [0xc1, 0x00]);
        Assert.Throws<UsageException>(() => CheckpointStore.ReadState(folder));
        Assert.Throws<UsageException>(() => h.Trainer.Resume(h.Dir.Path));
    }

    [Fact]
    public void A_malformed_batch_is_an_argument_error_naming_the_problem()
    {
        using var h = new TrainerHarness();
        var b = TrainerHarness.Data(1).Batch(0, 0);
        Assert.Contains("labels", Assert.Throws<ArgumentException>(() => h.Trainer.Step(b with { Labels = [1, 2] })).Message, StringComparison.Ordinal);
        Assert.Contains("16-d", Assert.Throws<ArgumentException>(() => h.Trainer.Step(b with { TeacherTargets = new float[b.Count * 8] })).Message, StringComparison.Ordinal);
    }
}
