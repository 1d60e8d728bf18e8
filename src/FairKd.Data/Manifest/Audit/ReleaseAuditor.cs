using System.Collections.Concurrent;

namespace FairKd.Data.Manifest.Audit;

/// <summary>
/// <c>fairkd manifest audit</c>: identity overlap between a training set and evaluation sets (cosine of identity centroids,
/// every training identity against every evaluation identity), exact duplicates by content hash (training against
/// training and evaluation images), and near-duplicate images inside the training set (every pair up to
/// <see cref="AuditOptions.ExactUpTo"/> images, else random-hyperplane LSH). Deterministic: same inputs, same report.
/// </summary>
public static class ReleaseAuditor
{
    /// <summary>Runs the audit. All sets must come from one teacher (same embedding space).</summary>
    public static AuditReport Run(EmbeddingSet training, IReadOnlyList<EmbeddingSet> evals, string? release, AuditOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(evals);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        foreach (var e in evals)
            if (e.Teacher != training.Teacher || e.Dim != training.Dim)
                throw new Core.UsageException($"evaluation set {e.Name}: embedded by {e.Teacher} ({e.Dim}-d), the training set by {training.Teacher} ({training.Dim}-d): use caches of one teacher");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = ct };
        var raw = evals.Select(e => Ceiling(e, parallel)).ToList();
        var ceilings = raw.Select(c => c is { } x ? new DistinctIdentityCeiling(R(x.Cosine), x.A, x.B) : null).ToList();
        var highest = raw.Where(c => c is not null).Select(c => c!.Value.Cosine).DefaultIfEmpty(float.NaN).Max();
        if (options.AutoIdentityThreshold && double.IsNaN(highest))
            throw new Core.UsageException("--identity-threshold auto calibrates on the evaluation sets' own distinct identities: give an --eval set with two or more identities, or a number");
        // auto: the smallest float above the ceiling, so "cosine >= threshold" lists exactly the pairs closer than the ceiling
        var threshold = options.AutoIdentityThreshold ? (double)MathF.BitIncrement(highest) : options.IdentityThreshold;
        options = options with { IdentityThreshold = threshold };
        var warnings = new List<string>();
        for (var i = 0; i < evals.Count; i++)
        {
            if (!options.AutoIdentityThreshold && raw[i] is { } x && x.Cosine >= (float)threshold && ceilings[i] is { } c)
                warnings.Add($"two different identities of {evals[i].Name} ({c.IdentityA}, {c.IdentityB}) reach cosine {DataCard.Fmt(c.Cosine)}, at or above the identity threshold " +
                    $"{DataCard.Fmt(threshold)}: listed pairs may be different people; raise the threshold above {DataCard.Fmt(R(highest))} or use --identity-threshold auto");
        }

        var results = evals.Select((e, i) => CompareIdentities(training, e, options, parallel) with { DistinctCeiling = ceilings[i] }).ToList();
        var (groups, shared) = ExactDuplicates(training, evals);
        for (var i = 0; i < results.Count; i++) results[i] = results[i] with { SharedImages = shared[i] };
        var (near, method) = training.Keys.Length <= options.ExactUpTo
            ? NearDuplicatesExact(training, options, parallel)
            : NearDuplicatesLsh(training, options, parallel);
        return new AuditReport(AuditReport.CurrentSchema, release, training.Teacher, Set(training), options.IdentityThreshold,
            options.NearDuplicateThreshold, results, groups, method, near, training.Sha256.LongCount(s => s is null))
        {
            IdentityThresholdRule = options.AutoIdentityThreshold ? "auto" : "given",
            ThresholdWarnings = warnings,
        };
    }

    /// <summary>The closest two different identities of <paramref name="e"/> (every pair of centroids; null with fewer than two).</summary>
    private static (float Cosine, string A, string B)? Ceiling(EmbeddingSet e, ParallelOptions parallel)
    {
        var n = e.Identities.Length;
        if (n < 2) return null;
        var best = new (float Cosine, int J)[n];
        Parallel.For(0, n, parallel, i =>
        {
            var a = e.Centroid(i);
            var top = (Cosine: float.NegativeInfinity, J: -1);
            for (var j = i + 1; j < n; j++)
            {
                var c = EmbeddingSet.Dot(a, e.Centroid(j));
                if (c > top.Cosine) top = (c, j);
            }

            best[i] = top;
        });
        var k = 0;
        for (var i = 1; i < n - 1; i++)
            if (best[i].Cosine > best[k].Cosine) k = i; // first (lowest i) on ties: deterministic
        return (best[k].Cosine, e.Identities[k], e.Identities[best[k].J]);
    }

    private static AuditSet Set(EmbeddingSet s) => new(s.Name, s.Fingerprints, s.Keys.Length, s.Identities.Length);

    private static double R(float v) => Math.Round(v, 6, MidpointRounding.AwayFromZero);

    private static AuditEvalResult CompareIdentities(EmbeddingSet t, EmbeddingSet e, AuditOptions o, ParallelOptions parallel)
    {
        var above = new ConcurrentBag<IdentityPair>();
        var below = new ConcurrentBag<IdentityPair>();
        var threshold = (float)o.IdentityThreshold;
        Parallel.For(0, t.Identities.Length, parallel, i =>
        {
            var a = t.Centroid(i);
            var best = new List<IdentityPair>();
            for (var j = 0; j < e.Identities.Length; j++)
            {
                var c = EmbeddingSet.Dot(a, e.Centroid(j));
                var pair = new IdentityPair(e.Name, t.Identities[i], e.Identities[j], R(c), t.ImagesPerIdentity[i], e.ImagesPerIdentity[j]);
                if (c >= threshold) above.Add(pair);
                else if (o.ClosestBelow > 0) Keep(best, pair, o.ClosestBelow);
            }

            foreach (var b in best) below.Add(b);
        });
        var closest = new List<IdentityPair>();
        foreach (var b in below) Keep(closest, b, o.ClosestBelow);
        return new AuditEvalResult(Set(e), Sorted(above), Sorted(closest), 0);
    }

    private static void Keep(List<IdentityPair> top, IdentityPair p, int n)
    {
        top.Add(p);
        if (top.Count <= n) return;
        top.Sort(Order);
        top.RemoveAt(top.Count - 1);
    }

    private static int Order(IdentityPair a, IdentityPair b)
    {
        var c = b.Cosine.CompareTo(a.Cosine);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.TrainIdentity, b.TrainIdentity);
        return c != 0 ? c : string.CompareOrdinal(a.EvalIdentity, b.EvalIdentity);
    }

    private static List<IdentityPair> Sorted(IEnumerable<IdentityPair> pairs)
    {
        var list = pairs.ToList();
        list.Sort(Order);
        return list;
    }

    private static (List<DuplicateGroup> Groups, long[] Shared) ExactDuplicates(EmbeddingSet t, IReadOnlyList<EmbeddingSet> evals)
    {
        var byHash = new Dictionary<string, (List<string> Train, List<string> Eval)>(StringComparer.Ordinal);
        for (var r = 0; r < t.Keys.Length; r++)
            if (t.Sha256[r] is { } h)
            {
                if (!byHash.TryGetValue(h, out var g)) byHash[h] = g = ([], []);
                g.Train.Add(t.Keys[r]);
            }

        var shared = new long[evals.Count];
        for (var i = 0; i < evals.Count; i++)
            for (var r = 0; r < evals[i].Keys.Length; r++)
                if (evals[i].Sha256[r] is { } h && byHash.TryGetValue(h, out var g))
                {
                    g.Eval.Add($"{evals[i].Name}/{evals[i].Keys[r]}");
                    shared[i]++;
                }

        var groups = byHash.Where(kv => kv.Value.Train.Count + kv.Value.Eval.Count > 1)
            .Select(kv => new DuplicateGroup(kv.Key, kv.Value.Train, kv.Value.Eval))
            .OrderBy(g => g.Training[0], StringComparer.Ordinal).ToList();
        return (groups, shared);
    }

    private static (List<NearDuplicate>, NearDuplicateMethod) NearDuplicatesExact(EmbeddingSet t, AuditOptions o, ParallelOptions parallel)
    {
        var found = new ConcurrentBag<(int, int, float)>();
        var n = t.Keys.Length;
        var threshold = (float)o.NearDuplicateThreshold;
        Parallel.For(0, n, parallel, i =>
        {
            var a = t.Vector(i);
            for (var j = i + 1; j < n; j++)
            {
                var c = EmbeddingSet.Dot(a, t.Vector(j));
                if (c >= threshold) found.Add((i, j, c));
            }
        });
        return (Near(t, found), new NearDuplicateMethod("exact", (long)n * (n - 1) / 2, null, null, null, null));
    }

    private static (List<NearDuplicate>, NearDuplicateMethod) NearDuplicatesLsh(EmbeddingSet t, AuditOptions o, ParallelOptions parallel)
    {
        const int Pool = 256;
        var n = t.Keys.Length;
        var rnd = new Random(o.LshSeed);
        var planes = new float[Pool * t.Dim];
        for (var k = 0; k < planes.Length; k++) planes[k] = (float)(Math.Sqrt(-2 * Math.Log(1 - rnd.NextDouble())) * Math.Cos(2 * Math.PI * rnd.NextDouble()));
        var bits = new ulong[(long)n * (Pool / 64)];
        Parallel.For(0, n, parallel, r =>
        {
            var v = t.Vector(r);
            for (var p = 0; p < Pool; p++)
                if (EmbeddingSet.Dot(v, planes.AsSpan(p * t.Dim, t.Dim)) >= 0) bits[(r * (Pool / 64)) + (p >> 6)] |= 1UL << (p & 63);
        });
        var tables = Enumerable.Range(0, o.LshTables).Select(_ => Enumerable.Range(0, Pool).OrderBy(_ => rnd.Next()).Take(o.LshBits).ToArray()).ToList();
        var found = new ConcurrentDictionary<(int, int), float>();
        long compared = 0;
        var largest = 0;
        var threshold = (float)o.NearDuplicateThreshold;
        foreach (var table in tables)
        {
            var keyed = new (uint Key, int Row)[n];
            for (var r = 0; r < n; r++)
            {
                uint key = 0;
                for (var b = 0; b < table.Length; b++)
                    if ((bits[(r * (Pool / 64)) + (table[b] >> 6)] & (1UL << (table[b] & 63))) != 0) key |= 1u << b;
                keyed[r] = (key, r);
            }

            Array.Sort(keyed);
            var buckets = new List<(int Start, int End)>();
            for (int s = 0, e; s < n; s = e)
            {
                for (e = s + 1; e < n && keyed[e].Key == keyed[s].Key; e++) { }
                if (e - s > 1) buckets.Add((s, e));
                largest = Math.Max(largest, e - s);
            }

            Parallel.ForEach(buckets, parallel, bucket =>
            {
                long local = 0;
                for (var x = bucket.Start; x < bucket.End; x++)
                    for (var y = x + 1; y < bucket.End; y++)
                    {
                        int i = Math.Min(keyed[x].Row, keyed[y].Row), j = Math.Max(keyed[x].Row, keyed[y].Row);
                        local++;
                        if (found.ContainsKey((i, j))) continue;
                        var c = EmbeddingSet.Dot(t.Vector(i), t.Vector(j));
                        if (c >= threshold) found.TryAdd((i, j), c);
                    }

                Interlocked.Add(ref compared, local);
            });
        }

        return (Near(t, found.Select(kv => (kv.Key.Item1, kv.Key.Item2, kv.Value))),
            new NearDuplicateMethod("lsh", compared, o.LshTables, o.LshBits, o.LshSeed, largest));
    }

    private static List<NearDuplicate> Near(EmbeddingSet t, IEnumerable<(int I, int J, float C)> pairs) =>
        [.. pairs.OrderBy(p => p.I).ThenBy(p => p.J).Select(p => new NearDuplicate(t.Keys[p.I], t.Keys[p.J],
            t.Identities[t.IdentityOf[p.I]], t.Identities[t.IdentityOf[p.J]], R(p.C),
            t.Sha256[p.I] is { } h && h == t.Sha256[p.J]))];
}
