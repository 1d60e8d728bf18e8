using System.Threading.Channels;
using FairKd.Core.Pipeline;

namespace FairKd.Core.Tests.Pipeline;

/// <summary>Error propagation, ordering, back-pressure and hang tests for the channel pipeline runner.</summary>
public class PipelineRunnerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static ChannelReader<int> Numbers(PipelineRunner runner, int count, int capacity = 4) =>
        runner.Source<int>("source", async (w, ct) =>
        {
            for (var i = 0; i < count; i++) await w.WriteAsync(i, ct);
        }, capacity);

    [Fact]
    public async Task Ordered_parallel_map_keeps_input_order()
    {
        using var runner = new PipelineRunner();
        var mapped = runner.Map<int, int>("square", Numbers(runner, 500), async (x, ct) =>
        {
            await Task.Delay(x % 7, ct); // uneven work would reorder an unordered map
            return x * x;
        }, workers: 4, capacity: 8);
        var seen = new List<int>();
        runner.Sink<int>("collect", mapped, (x, _) => { seen.Add(x); return ValueTask.CompletedTask; });
        await runner.RunAsync().WaitAsync(Deadline);
        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x), seen);
    }

    [Fact]
    public async Task Map_returning_null_drops_items()
    {
        using var runner = new PipelineRunner();
        var odd = runner.Map<int, string>("odd", Numbers(runner, 10), (x, _) => ValueTask.FromResult(x % 2 == 1 ? x.ToString() : null), 2, 4);
        var seen = new List<string>();
        runner.Sink<string>("collect", odd, (x, _) => { seen.Add(x); return ValueTask.CompletedTask; });
        await runner.RunAsync().WaitAsync(Deadline);
        Assert.Equal(["1", "3", "5", "7", "9"], seen);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_faulting_middle_stage_surfaces_its_error_and_nothing_hangs(int workers)
    {
        using var runner = new PipelineRunner();
        // An endless source: only cancellation can stop it, so a missing cancel would hang the test.
        var source = runner.Source<int>("endless", async (w, ct) =>
        {
            for (var i = 0; ; i++) await w.WriteAsync(i, ct);
        }, 2);
        var mapped = runner.Map<int, int>("decode", source, (x, _) =>
            x == 50 ? throw new InvalidDataException("boom at 50") : ValueTask.FromResult(x), workers, 2);
        runner.Sink<int>("sink", mapped, (_, _) => ValueTask.CompletedTask);
        var ex = await Assert.ThrowsAsync<PipelineStageException>(() => runner.RunAsync().WaitAsync(Deadline));
        Assert.Equal("decode", ex.Stage);
        Assert.IsType<InvalidDataException>(ex.InnerException);
        Assert.Contains("boom at 50", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_faulting_sink_cancels_a_blocked_producer()
    {
        using var runner = new PipelineRunner();
        var source = runner.Source<int>("endless", async (w, ct) =>
        {
            for (var i = 0; ; i++) await w.WriteAsync(i, ct);
        }, 1);
        runner.Sink<int>("writer", source, (x, _) => x == 3 ? throw new IOException("disk full") : ValueTask.CompletedTask);
        var ex = await Assert.ThrowsAsync<PipelineStageException>(() => runner.RunAsync().WaitAsync(Deadline));
        Assert.Equal("writer", ex.Stage);
        Assert.IsType<IOException>(ex.InnerException);
    }

    [Fact]
    public async Task A_faulting_source_is_reported_rather_than_the_downstream_echo()
    {
        using var runner = new PipelineRunner();
        var source = runner.Source<int>("enumerate", async (w, ct) =>
        {
            await w.WriteAsync(1, ct);
            throw new DirectoryNotFoundException("root vanished");
        }, 1);
        var mapped = runner.Map<int, int>("map", source, (x, _) => ValueTask.FromResult(x), 3, 1);
        runner.Sink<int>("sink", mapped, (_, _) => ValueTask.CompletedTask);
        var ex = await Assert.ThrowsAsync<PipelineStageException>(() => runner.RunAsync().WaitAsync(Deadline));
        Assert.Equal("enumerate", ex.Stage);
        Assert.IsType<DirectoryNotFoundException>(ex.InnerException);
    }

    [Fact]
    public async Task External_cancellation_stops_every_stage_with_OperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        using var runner = new PipelineRunner(cts.Token);
        var source = runner.Source<int>("endless", async (w, ct) =>
        {
            for (var i = 0; ; i++) await w.WriteAsync(i, ct);
        }, 1);
        var count = 0;
        runner.Sink<int>("slow", source, async (_, ct) =>
        {
            if (Interlocked.Increment(ref count) == 5) await cts.CancelAsync();
            await Task.Delay(1, ct);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync().WaitAsync(Deadline));
    }

    [Fact]
    public async Task Bounded_channels_apply_back_pressure()
    {
        using var runner = new PipelineRunner();
        var produced = 0;
        var source = runner.Source<int>("source", async (w, ct) =>
        {
            for (var i = 0; i < 100; i++)
            {
                await w.WriteAsync(i, ct);
                Interlocked.Increment(ref produced);
            }
        }, capacity: 3);
        var gate = new TaskCompletionSource();
        var maxAhead = 0;
        var consumed = 0;
        runner.Sink<int>("sink", source, async (_, _) =>
        {
            if (consumed == 0) await gate.Task;
            consumed++;
            maxAhead = Math.Max(maxAhead, Volatile.Read(ref produced) - consumed);
        });
        // Wait (bounded) until the producer has filled the channel, then give it time to overrun if it could:
        // while the sink is blocked it can run ahead by at most the capacity (+1 item in the sink's hands).
        var deadline = DateTime.UtcNow + Deadline;
        while (Volatile.Read(ref produced) < 3 && DateTime.UtcNow < deadline) await Task.Delay(10);
        await Task.Delay(100);
        Assert.InRange(Volatile.Read(ref produced), 3, 4);
        gate.SetResult();
        await runner.RunAsync().WaitAsync(Deadline);
        Assert.Equal(100, consumed);
        Assert.InRange(maxAhead, 0, 4);
    }
}
