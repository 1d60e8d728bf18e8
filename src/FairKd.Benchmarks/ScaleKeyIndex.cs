using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FairKd.Data.Cache;

namespace FairKd.Benchmarks;

/// <summary>Section 3: the key index at BUPT and WebFace42M size against the dictionary it replaces.</summary>
internal static class ScaleKeyIndex
{
    /// <summary>Lookups per timed pass: every key in row order up to this many keys, else this many random keys.</summary>
    private const long Pass = 2_000_000;

    public static void Measure(ScaleOptions o, Action<string> line)
    {
        var inv = CultureInfo.InvariantCulture;
        line("## 3. Key index (`_keys.idx`) at scale");
        line("");
        var bupt = Path.Combine(o.Work, "bupt-cache");
        var index = CacheIndex.TryLoad(bupt)!;

        // Before: `_keys.msgpack` read into strings and a Dictionary<string, long> (EmbeddingCacheReader until this change).
        var heap0 = CompactedHeap();
        var sw = Stopwatch.StartNew();
        var keys = KeySidecar.TryRead(bupt, index.Shards)!;
        var dictionary = new Dictionary<string, long>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++) dictionary.Add(keys[i], i);
        var dictSeconds = sw.Elapsed.TotalSeconds;
        var dictBytes = CompactedHeap() - heap0;
        GC.KeepAlive(dictionary);
        var perKeyBefore = dictBytes / (double)keys.Length;
        dictionary = null;
        keys = null;
        GC.Collect();
        line(($"Before (`_keys.msgpack` -> strings -> `Dictionary<string,long>`), {index.RowCount:N0} keys: open {dictSeconds:F1} s, managed heap +{ScaleProbe.Mb(dictBytes)} MB " +
            $"= {perKeyBefore:F0} B/key (at 42 M keys: {perKeyBefore * 42e6 / 1e9:F1} GB)."));
        line("");
        line("| keys | build s | build: peak anonymous memory above the start, MB | file MB | B/key on disk | open ms (file not in page cache) | resident after open MB | lookups/s, first 100,000 (cold) | lookups/s, warm pass of min(N, 2 M) keys, per round | resident after the passes MB | B/key resident (worst case, all pages touched: B/key on disk) | absent keys/s |");
        line("|---|---|---|---|---|---|---|---|---|---|---|---|");
        Row(o, line, "bupt-like", index.RowCount, i => ScaleData.BuptKey(i), Path.Combine(o.Work, "idx-bupt", KeyIndex.FileName));
        Row(o, line, "webface-like", o.BigKeys, i => ScaleData.WebFaceKey(i, o.BigKeys, o.Identities), Path.Combine(o.Work, "idx-big", KeyIndex.FileName));
        line("");
        line("Resident = the index file's pages mapped into this process (/proc/self/smaps `Rss` of the mapping): page cache, shared " +
            "between processes and reclaimable; the index allocates no managed memory. It can never exceed the file: an epoch's lookups touch every page, " +
            "so the worst case is the file size per key (B/key on disk). Passes: up to 2 M keys every key in row order, above that 2 M random keys.");
        line("");
    }

    /// <summary>Managed heap bytes in use after a blocking, compacting full collection.</summary>
    private static long CompactedHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes - GC.GetGCMemoryInfo(GCKind.FullBlocking).FragmentedBytes;
    }

    private static void Row(ScaleOptions o, Action<string> line, string name, long count, Func<long, string> key, string path)
    {
        var inv = CultureInfo.InvariantCulture;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var print = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        IEnumerable<string> Keys()
        {
            for (long i = 0; i < count; i++) yield return key(i);
        }

        GC.Collect();
        var baseline = ScaleProbe.Resident().Anon;
        var sw = Stopwatch.StartNew();
        var peak = -baseline + ScaleProbe.PeakAnonDuring(() => KeyIndexBuilder.Write(path, Keys(), count, print));
        var build = sw.Elapsed.TotalSeconds;
        var bytes = new FileInfo(path).Length;
        ScaleProbe.DropFromPageCache(path);
        sw.Restart();
        using var index = KeyIndex.TryOpen(path, print, count) ?? throw new InvalidOperationException("the index just built does not open");
        var openMs = sw.Elapsed.TotalMilliseconds;
        var afterOpen = ScaleProbe.MappedResident(Path.GetFileName(path));
        var rng = new Random(3);
        const int ColdLookups = 100_000;
        sw.Restart();
        for (var i = 0; i < ColdLookups; i++)
        {
            var k = rng.NextInt64(count);
            if (!index.TryGetRow(key(k), out var row) || row != k) throw new InvalidOperationException($"row of key {k} is {row}");
        }

        var cold = ColdLookups / sw.Elapsed.TotalSeconds;
        var rates = new List<double>();
        var pass = Math.Min(count, Pass);
        for (var r = 0; r < o.Rounds; r++)
        {
            var shuffle = new Random(100 + r);
            sw.Restart();
            for (long i = 0; i < pass; i++)
            {
                var k = count <= Pass ? i : shuffle.NextInt64(count);
                if (!index.TryGetRow(key(k), out var row) || row != k) throw new InvalidOperationException($"row of key {k} is {row}");
            }

            rates.Add(pass / sw.Elapsed.TotalSeconds);
            Console.WriteLine($"scale: key index {name}, pass {r + 1}: {rates[^1]:N0} lookups/s");
        }

        var resident = ScaleProbe.MappedResident(Path.GetFileName(path));
        sw.Restart();
        const int Absent = 1_000_000;
        for (var i = 0; i < Absent; i++)
            if (index.TryGetRow(($"absent/{i}/x.jpg"), out _)) throw new InvalidOperationException("an absent key was found");
        var absent = Absent / sw.Elapsed.TotalSeconds;
        line(($"| {count:N0} ({name}) | {build:F1} | {ScaleProbe.Mb(peak)} | {ScaleProbe.Mb(bytes)} | {bytes / (double)count:F1} | {openMs:F1} | {ScaleProbe.Mb(afterOpen)} | " +
            $"{cold:N0} | {string.Join(" / ", rates.Select(x => x.ToString("N0", inv)))} (**{ScaleProbe.Median(rates):N0}**) | {ScaleProbe.Mb(resident)} | {resident / (double)count:F1} | {absent:N0} |"));
    }
}
