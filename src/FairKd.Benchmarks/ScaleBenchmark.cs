using System.Diagnostics;
using System.Globalization;
using System.Text;
using FairKd.Data.Cache;
using FairKd.Data.Train;

namespace FairKd.Benchmarks;

/// <summary>
/// `scale`: the cache's random-access target store and key index at real scale, and the manifest build at WebFace42M
/// size. (1) a BUPT-size synthetic cache (--keys, default 1.25 M) written through the real cache writer (fp16, random
/// unit embeddings, no teacher); (2) shuffled target lookups/s, 1 and N threads: the Parquet row-group LRU used before,
/// the key index alone, the dense target matrix mapped (page cache cold and warm) and loaded into memory; (3) key index
/// at --big-keys (default 42 M): build, open, resident memory, lookups; (4) a `mobilefacenet` training step (measured at --step-batch,
/// scaled to batch 512) for the lookups' share; (5) `fairkd manifest build` on a generated labels.csv of --big-keys images / --identities
/// identities / 4 groups, checked against the step-by-step reference. Writes results/scale.md.
/// usage: scale [--keys N] [--big-keys N] [--identities N] [--rounds R] [--seconds S] [--steps N] [--step-batch B] [--work DIR] [--skip-step] [--skip-manifest] [--manifest-only] [--keep]
/// (--manifest-only: section 5 alone; with --keep and the same --work, --big-keys and --identities, a second run reuses the generated labels.csv.)
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args)
    {
        var o = ScaleOptions.Parse(args);
        if (o is null) return 2;
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        void Line(string s)
        {
            Console.WriteLine(s);
            md.AppendLine(s);
        }

        var load = BenchHost.LoadAverage();
        md.AppendLine("# Scale: target store, key index, manifest build");
        md.AppendLine();
        md.AppendLine(inv, $"Machine (lscpu): {ScaleProbe.Lscpu()}; {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):F1} GB RAM; load average at start {load} (shared with other work); .NET {Environment.Version}.");
        md.AppendLine();
        md.AppendLine(inv, $"Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- scale {string.Join(' ', args)}` (work folder {o.Work}; {o.Rounds} rounds per figure, every round listed, median in bold).");
        md.AppendLine();
        Directory.CreateDirectory(o.Work);
        var path = Path.Combine(BenchPaths.ProjectDir, "results", "scale.md");
        void Save() => Core.IO.AtomicFile.WriteAllText(path, md.ToString()); // after every section: a long run keeps what it measured
        try
        {
            var rates = o.ManifestOnly ? [] : Stores(o, Line);
            Save();
            if (!o.ManifestOnly) ScaleKeyIndex.Measure(o, Line);
            Save();
            if (!o.SkipManifest) ScaleManifest.Measure(o, Line);
            Save();
            if (!o.SkipStep && !o.ManifestOnly)
            {
                var step = ScaleStep.Measure(o, Line);
                Line("## 6. The lookups' share of a batch-512 step (goal <= 2 %)");
                Line("");
                Line("| store | threads | median lookups/s (section 2) | 512 lookups, ms | share of the step |");
                Line("|---|---|---|---|---|");
                foreach (var (name, threads, rate) in rates)
                    Line($"| {name} | {threads} | {rate:N0} | {512 / rate * 1e3:F1} | {512 / rate / step * 100:0.####} % |");
                Line("");
            }

            Save();
        }
        finally
        {
            if (!o.Keep && Directory.Exists(o.Work)) Directory.Delete(o.Work, recursive: true);
        }

        Console.WriteLine($"wrote {path}");
        return 0;
    }

    /// <summary>Sections 1-2: the BUPT-size cache and its lookups.</summary>
    private static List<(string Name, int Threads, double Rate)> Stores(ScaleOptions o, Action<string> line)
    {
        var medians = new List<(string Name, int Threads, double Rate)>();
        var inv = CultureInfo.InvariantCulture;
        var dir = Path.Combine(o.Work, "bupt-cache");
        var keys = Enumerable.Range(0, o.Keys).Select(i => ScaleData.BuptKey(i)).ToArray();
        var sw = Stopwatch.StartNew();
        var index = ScaleData.WriteCacheAsync(dir, keys, seed: 7).GetAwaiter().GetResult();
        var writeSeconds = sw.Elapsed.TotalSeconds;
        var shardBytes = index.Shards.Sum(s => s.Bytes);
        line("## 1. A BUPT-size cache through the real writer");
        line("");
        line(($"- {o.Keys:N0} keys (BUPT-like `bupt/<group>/m.0<id>/<n>.jpg`, 45 images per identity), fp16, {index.Shards.Count} shards of 16,384 rows, row groups of 8,192: " +
            $"{writeSeconds:F1} s including the sidecars ({o.Keys / writeSeconds:N0} rows/s); shards {ScaleProbe.Mb(shardBytes)} MB"));
        sw.Restart();
        TargetMatrix.Build(dir, index, dir);
        var matrixSeconds = sw.Elapsed.TotalSeconds;
        var matrixBytes = new FileInfo(Path.Combine(dir, TargetMatrix.FileName)).Length;
        sw.Restart();
        var print = index.ContentFingerprint();
        var idxPeak = -ScaleProbe.Resident().Anon + ScaleProbe.PeakAnonDuring(() => KeyIndexBuilder.Write(Path.Combine(dir, KeyIndex.FileName), keys, keys.Length, print));
        var idxSeconds = sw.Elapsed.TotalSeconds;
        line(($"- rebuilt alone: `_targets.npy` {ScaleProbe.Mb(matrixBytes)} MB in {matrixSeconds:F1} s ({index.RowCount / matrixSeconds:N0} rows/s, " +
            $"{matrixSeconds / index.RowCount * 1e6:F2} µs/row); `_keys.idx` {ScaleProbe.Mb(new FileInfo(Path.Combine(dir, KeyIndex.FileName)).Length)} MB in {idxSeconds:F2} s " +
            $"(anonymous memory peak {ScaleProbe.Mb(idxPeak)} MB above the start); `_keys.msgpack` {ScaleProbe.Mb(new FileInfo(Path.Combine(dir, KeySidecar.FileName)).Length)} MB"));
        line("");

        var (order, flips) = TrainDataPipeline.EpochDraw(keys.Length, 0, 0, flip: true);
        line("## 2. Shuffled target lookups (epoch 0 order and flips of the training pipeline)");
        line("");
        line("| store | threads | lookups/s per round | median lookups/s | µs/lookup (per thread) |");
        line("|---|---|---|---|---|");
        void Row(string name, int threads, Func<(double Rate, long Done)> round, Action? before = null)
        {
            var rates = new List<double>();
            for (var r = 0; r < o.Rounds; r++)
            {
                before?.Invoke();
                var (rate, done) = round();
                rates.Add(rate);
                Console.WriteLine($"scale: {name}, {threads} thread(s), round {r + 1}: {rate:N0} lookups/s ({done:N0} lookups)");
            }

            var m = ScaleProbe.Median(rates);
            medians.Add((name, threads, m));
            line(($"| {name} | {threads} | {string.Join(" / ", rates.Select(x => x.ToString("N0", inv)))} | **{m:N0}** | {threads * 1e6 / m:F2} |"));
        }

        using (var reader = EmbeddingCacheReader.Open(dir))
        {
            Row("Parquet row groups, LRU of 4 (before)", 1, () => ScaleLookups.Rate(ScaleLookups.RowGroups(reader), keys, order, flips, 1, o.Seconds));
            Row("key index alone (`_keys.idx`, mapped)", 1, () => ScaleLookups.Rate(ScaleLookups.KeysOnly(reader), keys, order, flips, 1, 1e9));
        }

        var npy = Path.Combine(dir, TargetMatrix.FileName);
        var idx = Path.Combine(dir, KeyIndex.FileName);
        void Cold()
        {
            ScaleProbe.DropFromPageCache(npy);
            ScaleProbe.DropFromPageCache(idx);
        }

        foreach (var threads in new[] { 1, Environment.ProcessorCount })
        {
            using var cold = new CacheTeacherTargets([dir]);
            Row("target matrix mapped, page cache dropped before each round", threads, () => ScaleLookups.Rate(ScaleLookups.Targets(cold), keys, order, flips, threads, o.Seconds), Cold);
        }

        sw.Restart();
        var before = ScaleProbe.Resident();
        using (var mapped = new CacheTeacherTargets([dir]))
        {
            var openMs = sw.Elapsed.TotalMilliseconds;
            foreach (var threads in new[] { 1, Environment.ProcessorCount })
                Row("target matrix mapped, warm", threads, () => ScaleLookups.Rate(ScaleLookups.Targets(mapped), keys, order, flips, threads, 1e9));
            line("");
            line(($"Mapped: open {openMs:F0} ms; after the warm rounds the matrix mapping holds {ScaleProbe.Mb(ScaleProbe.MappedResident(TargetMatrix.FileName))} MB resident " +
                $"(page cache, shared, reclaimable), the key index {ScaleProbe.Mb(ScaleProbe.MappedResident(KeyIndex.FileName))} MB; anonymous memory {ScaleProbe.Mb(ScaleProbe.Resident().Anon - before.Anon)} MB more than before opening."));
        }

        sw.Restart();
        before = ScaleProbe.Resident();
        using (var loaded = new CacheTeacherTargets([dir], new TargetMatrixOptions { LoadIntoMemory = true }))
        {
            var openSeconds = sw.Elapsed.TotalSeconds;
            var anon = ScaleProbe.Resident().Anon - before.Anon;
            line(($"In memory (`LoadIntoMemory`): open {openSeconds:F1} s (reads the whole file), anonymous memory +{ScaleProbe.Mb(anon)} MB."));
            line("");
            line("| store | threads | lookups/s per round | median lookups/s | µs/lookup (per thread) |");
            line("|---|---|---|---|---|");
            foreach (var threads in new[] { 1, Environment.ProcessorCount })
                Row("target matrix in memory", threads, () => ScaleLookups.Rate(ScaleLookups.Targets(loaded), keys, order, flips, threads, 1e9));
        }

        line("");
        line(($"Per key, measured here: `_targets.npy` {matrixBytes / (double)index.RowCount:F0} B, `_keys.idx` {new FileInfo(idx).Length / (double)index.RowCount:F1} B, " +
            $"shards {shardBytes / (double)index.RowCount:F0} B; matrix build {matrixSeconds / index.RowCount * 1e6:F2} µs/row. At 42 M keys (extrapolated, linear in rows): " +
            $"`_targets.npy` {matrixBytes / (double)index.RowCount * 42e6 / 1e9:F1} GB built in {matrixSeconds / index.RowCount * 42e6 / 60:F1} min; lookups cost the same per key " +
            "(one row copy at a computed offset) as long as the matrix stays in the page cache, else one random disk read per lookup (the cold rows above)."));
        line("");
        return medians;
    }
}

/// <summary>Arguments of the scale benchmark.</summary>
internal sealed record ScaleOptions(int Keys, long BigKeys, int Identities, int Rounds, double Seconds, int Steps, int StepBatch, string Work, bool SkipStep, bool SkipManifest, bool Keep, bool ManifestOnly = false)
{
    public static ScaleOptions? Parse(string[] args)
    {
        var o = new ScaleOptions(1_250_000, 42_000_000, 2_000_000, 3, 15, 2, 64, Path.Combine(Path.GetTempPath(), $"fairkd-bench-scale-{Environment.ProcessId}"), false, false, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--keys": o = o with { Keys = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--big-keys": o = o with { BigKeys = long.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--identities": o = o with { Identities = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--rounds": o = o with { Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--seconds": o = o with { Seconds = double.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--steps": o = o with { Steps = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--step-batch": o = o with { StepBatch = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--work": o = o with { Work = Path.GetFullPath(Next()) }; break;
                case "--skip-step": o = o with { SkipStep = true }; break;
                case "--skip-manifest": o = o with { SkipManifest = true }; break;
                case "--keep": o = o with { Keep = true }; break;
                case "--manifest-only": o = o with { ManifestOnly = true }; break;
                default:
                    Console.Error.WriteLine($"scale: unknown option {args[i]}");
                    return null;
            }
        }

        return o;
    }
}
