using System.Diagnostics;
using FairKd.Data.Cache;
using FairKd.Data.Train;

namespace FairKd.Benchmarks;

/// <summary>Shuffled target lookups over one epoch's order (<see cref="TrainDataPipeline.EpochDraw"/>), 1..N threads.</summary>
internal static class ScaleLookups
{
    /// <summary>The work of one lookup: (key, flipped, destination of Width floats).</summary>
    public delegate void Lookup(string key, bool flipped, Span<float> destination);

    /// <summary>Lookups/s of <paramref name="lookup"/> over the epoch order, each thread taking a contiguous slice; stops
    /// after <paramref name="seconds"/> (then counts what was done). Returns (rate, lookups done).</summary>
    public static (double Rate, long Done) Rate(Lookup lookup, string[] keys, int[] order, bool[] flips, int threads, double seconds)
    {
        var done = new long[threads];
        var sw = Stopwatch.StartNew();
        var slice = (order.Length + threads - 1) / threads;
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var destination = new float[ScaleData.Width];
            var end = Math.Min(order.Length, (t + 1) * slice);
            long n = 0;
            for (var p = t * slice; p < end; p++)
            {
                if ((n & 127) == 0 && sw.Elapsed.TotalSeconds > seconds) break;
                lookup(keys[order[p]], flips[p], destination);
                n++;
            }

            done[t] = n;
        })).ToList();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        var total = done.Sum();
        return (total / sw.Elapsed.TotalSeconds, total);
    }

    /// <summary>Lookup through the Parquet shards as before this store: <see cref="EmbeddingCacheReader.TryGetTarget"/>
    /// (an LRU of 4 decoded row groups; the key's row now comes from the key index, the decode dominates).</summary>
    public static Lookup RowGroups(EmbeddingCacheReader reader)
    {
        var flip = new float[reader.EmbeddingSize];
        var eth = new float[4];
        return (key, flipped, destination) =>
        {
            if (!reader.TryGetTarget(key, destination, flip, eth, out _, out _)) throw new KeyNotFoundException(key);
            if (flipped) flip.CopyTo(destination);
        };
    }

    public static Lookup Targets(CacheTeacherTargets targets) => (key, flipped, destination) => targets.Get(key, flipped, destination);

    public static Lookup KeysOnly(EmbeddingCacheReader reader) => (key, _, _) =>
    {
        if (!reader.TryGetRow(key, out _)) throw new KeyNotFoundException(key);
    };
}
