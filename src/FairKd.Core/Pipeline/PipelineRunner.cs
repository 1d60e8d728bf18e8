using System.Threading.Channels;

namespace FairKd.Core.Pipeline;

/// <summary>
/// Runs stages connected by bounded channels under one cancellation token.
/// A faulted stage completes its output channel with the exception; the runner then cancels every other stage
/// and <see cref="RunAsync"/> throws a <see cref="PipelineStageException"/> naming the first stage that really failed
/// (cancellations caused by that failure are not reported as errors). Nothing hangs: every stage observes the token,
/// and every writer is completed on every path.
/// </summary>
public sealed class PipelineRunner : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly List<Task> _stages = [];
    private readonly Lock _gate = new();
    private Exception? _firstError;
    private string? _firstErrorStage;

    /// <summary>A runner whose stages stop when <paramref name="external"/> is cancelled or when any stage fails.</summary>
    public PipelineRunner(CancellationToken external = default)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(external);
        ExternalToken = external;
    }

    /// <summary>The token every stage observes; cancelled on Ctrl+C (external) or on the first stage failure.</summary>
    public CancellationToken Token => _cts.Token;

    private CancellationToken ExternalToken { get; }

    /// <summary>A bounded channel with back-pressure (writers wait when it is full).</summary>
    public static Channel<T> CreateChannel<T>(int capacity, bool singleReader = false, bool singleWriter = false) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = singleReader,
            SingleWriter = singleWriter,
        });

    /// <summary>Starts a producer stage that writes into a new bounded channel and returns its reader.</summary>
    public ChannelReader<T> Source<T>(string name, Func<ChannelWriter<T>, CancellationToken, Task> produce, int capacity)
    {
        ArgumentNullException.ThrowIfNull(produce);
        var channel = CreateChannel<T>(capacity, singleWriter: true);
        Track(name, channel.Writer, async ct => await produce(channel.Writer, ct).ConfigureAwait(false));
        return channel.Reader;
    }

    /// <summary>
    /// Starts a transform stage with <paramref name="workers"/> parallel workers that preserves input order.
    /// A map returning <c>default</c> drops the item (use it for items routed elsewhere, e.g. to a rejects sink).
    /// </summary>
    public ChannelReader<TOut> Map<TIn, TOut>(string name, ChannelReader<TIn> input,
        Func<TIn, CancellationToken, ValueTask<TOut?>> map, int workers, int capacity)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(map);
        workers = Math.Max(1, workers);
        var output = CreateChannel<TOut>(capacity, singleWriter: true);
        if (workers == 1)
        {
            Track(name, output.Writer, async ct =>
            {
                await foreach (var item in input.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    var result = await map(item, ct).ConfigureAwait(false);
                    if (result is not null) await output.Writer.WriteAsync(result, ct).ConfigureAwait(false);
                }
            });
            return output.Reader;
        }

        // Ordered parallel map: a dispatcher starts at most `workers` tasks, in input order, into a bounded
        // queue of pending results; the collector awaits them in the same order.
        var pending = CreateChannel<Task<TOut?>>(Math.Max(workers, capacity), singleReader: true, singleWriter: true);
        var slots = new SemaphoreSlim(workers, workers);
        Track(name + ".dispatch", pending.Writer, async ct =>
        {
            await foreach (var item in input.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await slots.WaitAsync(ct).ConfigureAwait(false);
                var task = Task.Run(async () =>
                {
                    try { return await map(item, ct).ConfigureAwait(false); }
                    finally { slots.Release(); }
                }, ct);
                await pending.Writer.WriteAsync(task, ct).ConfigureAwait(false);
            }
        });
        Track(name, output.Writer, async ct =>
        {
            await foreach (var task in pending.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var result = await task.ConfigureAwait(false);
                if (result is not null) await output.Writer.WriteAsync(result, ct).ConfigureAwait(false);
            }
        });
        return output.Reader;
    }

    /// <summary>Starts a terminal stage that consumes every item of <paramref name="input"/>.</summary>
    public void Sink<T>(string name, ChannelReader<T> input, Func<T, CancellationToken, ValueTask> consume)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(consume);
        Track<T>(name, null, async ct =>
        {
            await foreach (var item in input.ReadAllAsync(ct).ConfigureAwait(false))
                await consume(item, ct).ConfigureAwait(false);
        });
    }

    /// <summary>Starts an arbitrary stage (e.g. one that reads several channels); <paramref name="output"/> is completed when it ends.</summary>
    public void Stage<T>(string name, ChannelWriter<T>? output, Func<CancellationToken, Task> body) => Track(name, output, body);

    /// <summary>Waits for every stage. Throws <see cref="PipelineStageException"/> for the first real failure,
    /// or <see cref="OperationCanceledException"/> when the external token was cancelled.</summary>
    public async Task RunAsync()
    {
        try
        {
            await Task.WhenAll(_stages).ConfigureAwait(false);
        }
        catch
        {
            // Inspected below: the first real error wins over cancellations it caused.
        }

        lock (_gate)
        {
            if (_firstError is not null)
                throw new PipelineStageException(_firstErrorStage!, _firstError);
        }

        ExternalToken.ThrowIfCancellationRequested();
        if (_cts.IsCancellationRequested) throw new OperationCanceledException(_cts.Token);
    }

    /// <summary>Cancels every stage (used by callers that stop early, e.g. after enough items).</summary>
    public void Cancel() => _cts.Cancel();

    private void Track<T>(string name, ChannelWriter<T>? output, Func<CancellationToken, Task> body)
    {
        var ct = _cts.Token;
        _stages.Add(Task.Run(async () =>
        {
            try
            {
                await body(ct).ConfigureAwait(false);
                output?.TryComplete();
            }
            catch (OperationCanceledException oce) when (ct.IsCancellationRequested)
            {
                output?.TryComplete(oce);
                throw;
            }
            catch (Exception ex)
            {
                // Record first, then complete: downstream stages that see the faulted channel must not win the race.
                Fail(name, ex);
                output?.TryComplete(ex);
                throw;
            }
        }, CancellationToken.None));
    }

    private void Fail(string name, Exception ex)
    {
        // An upstream failure re-surfaces downstream through the completed channel: keep the original.
        lock (_gate)
        {
            if (_firstError is null)
            {
                _firstError = ex is ChannelClosedException { InnerException: { } inner } ? inner : ex;
                _firstErrorStage = name;
            }
        }

        _cts.Cancel();
    }

    /// <summary>Releases the runner's cancellation source (call after <see cref="RunAsync"/> has completed).</summary>
    public void Dispose() => _cts.Dispose();
}

/// <summary>The first real failure of a pipeline, with the name of the stage it came from.</summary>
public sealed class PipelineStageException(string stage, Exception inner)
    : Exception($"stage '{stage}' failed: {inner.Message}", inner)
{
    /// <summary>The name of the stage that failed first (as given to Source, Map, Batch, Sink or Stage).</summary>
    public string Stage { get; } = stage;
}
