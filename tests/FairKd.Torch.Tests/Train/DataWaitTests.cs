using System.Runtime.CompilerServices;
using FairKd.Core.Records;

namespace FairKd.Torch.Tests.Train;

/// <summary>The data-wait share measures time blocked on the batch source.</summary>
[Collection(SerialTorchCollection.Name)]
public class DataWaitTests
{
    [Fact]
    public async Task A_slow_source_shows_up_as_a_high_data_wait_share()
    {
        using var h = new TrainerHarness();
        var data = TrainerHarness.Data(8);
        async IAsyncEnumerable<TrainBatch> Slow([EnumeratorCancellation] CancellationToken ct = default)
        {
            await foreach (var b in data.Epochs(0, 1, ct))
            {
                await Task.Delay(60, ct);
                yield return b;
            }
        }

        var slow = await h.Trainer.RunAsync(Slow()).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(slow.DataWaitSeconds >= 8 * 0.05, $"waited {slow.DataWaitSeconds:F3}s");
        Assert.True(slow.DataWaitShare > 0.1 && slow.DataWaitShare <= 1, $"share {slow.DataWaitShare:F3}");

        // a source whose batches are ready (completes synchronously): almost no waiting
        var ready = Enumerable.Range(0, 8).Select(s => data.Batch(0, s)).ToList();
#pragma warning disable CS1998 // no await: every MoveNextAsync completes synchronously
        async IAsyncEnumerable<TrainBatch> Ready()
        {
            foreach (var b in ready) yield return b;
        }
#pragma warning restore CS1998

        using var fast = new TrainerHarness();
        var quick = await fast.Trainer.RunAsync(Ready()).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(quick.DataWaitSeconds < 0.05, $"fast source waited {quick.DataWaitSeconds:F3}s");
        Assert.True(quick.DataWaitShare < slow.DataWaitShare, $"fast {quick.DataWaitShare:F3} vs slow {slow.DataWaitShare:F3}");
    }
}
