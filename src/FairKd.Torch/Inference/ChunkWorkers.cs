using System.Runtime.ExceptionServices;

namespace FairKd.Torch.Inference;

/// <summary>
/// Runs the chunks of one call on <c>width</c> dedicated background threads (the caller waits), each thread claiming
/// the next chunk index until none is left. Chunk i's work writes only chunk i's output, so the result does not depend
/// on which thread ran what. Dedicated threads, not the .NET thread pool: a model run blocks its thread for
/// milliseconds, and the pool's threads belong to the decode workers of the pipeline around it; named threads also let a
/// profiler (or /proc/PID/task/*/comm) tell model time from the rest. One call at a time (the owner serialises calls);
/// the first exception of a call is rethrown on the caller once every thread has stopped.
/// </summary>
internal sealed class ChunkWorkers : IDisposable
{
    private readonly Thread[] helpers;
    private readonly SemaphoreSlim start = new(0);
    private readonly CountdownEvent done = new(0);
    private Action<int>? work;
    private int chunks;
    private int next;
    private ExceptionDispatchInfo? failure;
    private volatile bool stopping;

    /// <param name="width">Threads that run chunks at once (at least 1).</param>
    /// <param name="name">Prefix of the threads' names, "NAME 1" ... "NAME width" (Linux keeps 15 characters).</param>
    public ChunkWorkers(int width, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Width = width;
        helpers = new Thread[width];
        for (var i = 0; i < helpers.Length; i++)
        {
            helpers[i] = new Thread(HelperLoop) { IsBackground = true, Name = $"{name} {i + 1}" };
            helpers[i].Start();
        }
    }

    /// <summary>Threads that run chunks at once.</summary>
    public int Width { get; }

    /// <summary>Runs <paramref name="body"/>(i) for every i in [0, <paramref name="chunkCount"/>) and returns when all are done.</summary>
    public void Run(int chunkCount, Action<int> body)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        if (chunkCount <= 0) return;
        work = body;
        chunks = chunkCount;
        next = -1;
        failure = null;
        var woken = Math.Min(helpers.Length, chunkCount);
        done.Reset(woken);
        start.Release(woken);
        done.Wait();
        work = null;
        failure?.Throw();
    }

    private void Claim()
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < chunks && Volatile.Read(ref failure) is null)
        {
            try
            {
                work!(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
        }
    }

    private void HelperLoop()
    {
        while (true)
        {
            start.Wait();
            if (stopping) return;
            Claim();
            done.Signal();
        }
    }

    public void Dispose()
    {
        if (stopping) return;
        stopping = true;
        start.Release(helpers.Length);
        foreach (var t in helpers) t.Join();
        start.Dispose();
        done.Dispose();
    }
}
