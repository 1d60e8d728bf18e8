using System.Threading.Channels;
using FairKd.Core.Pipeline;

namespace FairKd.Core.Tests.Pipeline;

/// <summary><see cref="PipelineBatching.Batch"/>: full batches in order, the remainder last, back-pressure, faults and bad sizes.</summary>
public class PipelineBatchingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static ChannelReader<int> Numbers(PipelineRunner runner, int count) =>
        runner.Source<int>("source", async (w, ct) =>
        {
            for (var i = 0; i < count; i++) await w.WriteAsync(i, ct);
        }, 4);

    private static async Task<List<IReadOnlyList<int>>> Collect(int count, int size)
    {
        using var runner = new PipelineRunner();
        var batches = runner.Batch("batch", Numbers(runner, count), size);
        var seen = new List<IReadOnlyList<int>>();
        runner.Sink<IReadOnlyList<int>>("collect", batches, (b, _) => { seen.Add(b); return ValueTask.CompletedTask; });
        await runner.RunAsync().WaitAsync(Deadline);
        return seen;
    }

    [Theory]
    [InlineData(10, 3, new[] { 3, 3, 3, 1 })]
    [InlineData(9, 3, new[] { 3, 3, 3 })]
    [InlineData(2, 5, new[] { 2 })]
    [InlineData(0, 4, new int[0])]
    [InlineData(4, 1, new[] { 1, 1, 1, 1 })]
    public async Task Batches_are_full_and_in_order_with_the_remainder_last(int count, int size, int[] sizes)
    {
        var batches = await Collect(count, size);
        Assert.Equal(sizes, batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, count), batches.SelectMany(b => b));
    }

    [Fact]
    public async Task Each_batch_is_a_new_list_so_a_consumer_may_keep_it()
    {
        var batches = await Collect(8, 2);
        Assert.Equal(4, batches.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.Equal([0, 1], batches[0]); // not overwritten by later batches
    }

    [Fact]
    public async Task A_slow_consumer_holds_back_the_source_by_the_bounded_capacity()
    {
        using var runner = new PipelineRunner();
        var produced = 0;
        var source = runner.Source<int>("source", async (w, ct) =>
        {
            for (var i = 0; i < 1000; i++)
            {
                await w.WriteAsync(i, ct);
                Interlocked.Increment(ref produced);
            }
        }, capacity: 1);
        var batches = runner.Batch("batch", source, size: 10, capacity: 2);
        var gate = new TaskCompletionSource();
        var producedWhileBlocked = -1;
        runner.Sink<IReadOnlyList<int>>("sink", batches, async (_, ct) =>
        {
            if (producedWhileBlocked < 0)
            {
                await Task.Delay(200, ct);
                producedWhileBlocked = Volatile.Read(ref produced);
                gate.SetResult();
            }

            await gate.Task;
        });
        await runner.RunAsync().WaitAsync(Deadline);

        // blocked on its first batch, the sink holds 1 batch, the channel 2, the batcher 1 being filled, the source channel 1:
        // about 5 batches of 10, far below the 1,000 items the source would write without back-pressure
        Assert.InRange(producedWhileBlocked, 10, 60);
        Assert.Equal(1000, produced);
    }

    [Fact]
    public async Task A_fault_upstream_reaches_the_runner_named_after_its_stage()
    {
        using var runner = new PipelineRunner();
        var source = runner.Source<int>("read", async (w, ct) =>
        {
            for (var i = 0; i < 5; i++) await w.WriteAsync(i, ct);
            throw new InvalidDataException("bad record 5");
        }, 2);
        var batches = runner.Batch("batch", source, 3);
        runner.Sink<IReadOnlyList<int>>("sink", batches, (_, _) => ValueTask.CompletedTask);
        var ex = await Assert.ThrowsAsync<PipelineStageException>(() => runner.RunAsync().WaitAsync(Deadline));
        Assert.Equal("read", ex.Stage);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }

    [Fact]
    public void A_size_below_one_is_refused()
    {
        using var runner = new PipelineRunner();
        var source = Numbers(runner, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Batch("batch", source, 0));
    }
}
