namespace FairKd.Core.Eval;

/// <summary>
/// The pairs of one set prepared for identity resampling: identities numbered in order of first appearance (pair by
/// pair, first image then second), labels and protocol folds. Built from scores.csv rows (<see cref="ScoredPair"/>).
/// </summary>
public sealed class BootstrapPairs
{
    private readonly (int[] A, int[] B, bool[] Same, int[] Fold) _pairs;

    private BootstrapPairs(string name, string[] identities, (int[] A, int[] B, bool[] Same, int[] Fold) pairs, int folds) =>
        (Name, IdentityNames, _pairs, Folds) = (name, identities, pairs, folds);

    /// <summary>The set (and stream) name.</summary>
    public string Name { get; }

    /// <summary>Distinct identities, in first-appearance order (index = the identity's number in the draws).</summary>
    public IReadOnlyList<string> IdentityNames { get; }

    /// <summary>Pairs.</summary>
    public int Count => Same.Length;

    /// <summary>Genuine pairs.</summary>
    public int GenuinePairs => Same.Count(s => s);

    /// <summary>Impostor pairs.</summary>
    public int ImpostorPairs => Count - GenuinePairs;

    internal int[] IdA => _pairs.A;
    internal int[] IdB => _pairs.B;
    internal bool[] Same => _pairs.Same;
    internal int[] Fold => _pairs.Fold;
    internal int Folds { get; }

    /// <summary>
    /// The pairs of set <paramref name="name"/> (in file order) for resampling; null when a pair names no identities
    /// (.bin packs). Throws <see cref="ArgumentException"/> when a fold is outside [0, <paramref name="folds"/>).
    /// </summary>
    public static BootstrapPairs? From(string name, IReadOnlyList<ScoredPair> pairs, int folds)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0 || pairs.Any(p => p.IdentityA is null || p.IdentityB is null)) return null;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        int Id(string s)
        {
            if (index.TryGetValue(s, out var i)) return i;
            names.Add(s);
            return index[s] = names.Count - 1;
        }

        var a = new int[pairs.Count];
        var b = new int[pairs.Count];
        var fold = new int[pairs.Count];
        for (var k = 0; k < pairs.Count; k++)
        {
            a[k] = Id(pairs[k].IdentityA!);
            b[k] = Id(pairs[k].IdentityB!);
            fold[k] = pairs[k].Fold is var f && f >= 0 && f < folds ? f : throw new ArgumentException($"set {name}: pair {pairs[k].PairId} has fold {f}, not in [0, {folds})");
        }

        return new BootstrapPairs(name, [.. names], (a, b, pairs.Select(p => p.Same).ToArray(), fold), folds);
    }
}

/// <summary>
/// Identity-level bootstrap of the verification accuracy (see <see cref="BootstrapInfo.Description"/>): resample b of a
/// set draws as many identities as the set has, with replacement, from the set's own stream
/// (<see cref="SplitMix64.StreamSeed"/>(seed, set name), b = 0, 1, ... in order); identity i drawn m(i) times gives a
/// genuine pair of i weight m(i) and a pair of i and j (i != j) weight m(i) x m(j), so a pair is in the resample once
/// per draw of each of its people (Owen's pigeonhole bootstrap for pairs drawn from one population). Every pair keeps
/// its fold, and the accuracy is the 10-fold protocol on the weighted pairs: per fold the threshold with the most
/// weighted correct decisions on the other folds (first on ties), the weighted accuracy on the held-out fold, the mean
/// over the held-out folds that kept any weight. With every weight 1 this is exactly <see cref="VerificationScorer"/>'s accuracy.
/// Several models scored on the same pairs share every draw (the paired comparison).
/// </summary>
public static class IdentityBootstrap
{
    /// <summary>
    /// The accuracy (fraction) of every resample for each model: result[model][b]; NaN when a resample leaves no weight
    /// in any held-out fold. <paramref name="distances"/>[model][k] is pair k's distance under that model.
    /// </summary>
    public static double[][] Accuracies(BootstrapPairs pairs, IReadOnlyList<double[]> distances, BootstrapOptions options, VerificationProtocol? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(distances);
        ArgumentNullException.ThrowIfNull(options);
        protocol ??= VerificationProtocol.Default;
        var bins = distances.Select(d => Bins(pairs, d, protocol)).ToArray();
        var result = distances.Select(_ => new double[options.Resamples]).ToArray();
        var rng = new SplitMix64(SplitMix64.StreamSeed(options.Seed, pairs.Name));
        var counts = new int[pairs.IdentityNames.Count];
        var weights = new long[pairs.Count];
        var work = new WeightedProtocol(pairs.Folds, protocol.ThresholdCount);
        for (var b = 0; b < options.Resamples; b++)
        {
            Draw(rng, counts);
            PairWeights(pairs, counts, weights);
            for (var m = 0; m < bins.Length; m++) result[m][b] = work.Accuracy(bins[m], pairs.Same, pairs.Fold, weights);
        }

        return result;
    }

    /// <summary>One resample's draw counts: counts.Length identities drawn with replacement (index by <see cref="SplitMix64.NextIndex"/>).</summary>
    public static void Draw(SplitMix64 rng, Span<int> counts)
    {
        ArgumentNullException.ThrowIfNull(rng);
        counts.Clear();
        for (var i = 0; i < counts.Length; i++) counts[rng.NextIndex(counts.Length)]++;
    }

    /// <summary>Pair weights from draw counts: m(a) for a pair of one identity, m(a) x m(b) otherwise.</summary>
    public static void PairWeights(BootstrapPairs pairs, ReadOnlySpan<int> counts, Span<long> weights)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        for (var k = 0; k < pairs.Count; k++)
        {
            int a = pairs.IdA[k], b = pairs.IdB[k];
            weights[k] = a == b ? counts[a] : (long)counts[a] * counts[b];
        }
    }

    /// <summary>The protocol accuracy (fraction) of the pairs under <paramref name="distances"/> with the given weights (NaN when no held-out fold has weight).</summary>
    public static double WeightedAccuracy(BootstrapPairs pairs, double[] distances, ReadOnlySpan<long> weights, VerificationProtocol? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        protocol ??= VerificationProtocol.Default;
        return new WeightedProtocol(pairs.Folds, protocol.ThresholdCount).Accuracy(Bins(pairs, distances, protocol), pairs.Same, pairs.Fold, weights);
    }

    private static int[] Bins(BootstrapPairs pairs, double[] distances, VerificationProtocol protocol)
    {
        if (distances.Length != pairs.Count) throw new ArgumentException($"set {pairs.Name}: {distances.Length} distances for {pairs.Count} pairs");
        return distances.Select(d => double.IsNaN(d)
            ? throw new ArgumentException($"set {pairs.Name}: a distance is NaN")
            : FoldCounts.FirstAccepting(d, protocol.ThresholdCount, protocol.ThresholdStep)).ToArray();
    }

    /// <summary>Reusable per-fold weighted histograms over the accuracy threshold grid.</summary>
    private sealed class WeightedProtocol(int folds, int thresholds)
    {
        private readonly long[] _genuine = new long[folds * thresholds]; // cumulative accepted weight per fold and threshold
        private readonly long[] _impostor = new long[folds * thresholds];
        private readonly long[] _genuineAll = new long[thresholds];
        private readonly long[] _impostorAll = new long[thresholds];
        private readonly long[] _genuineFold = new long[folds];
        private readonly long[] _impostorFold = new long[folds];

        public double Accuracy(int[] bins, bool[] same, int[] fold, ReadOnlySpan<long> weights)
        {
            Array.Clear(_genuine);
            Array.Clear(_impostor);
            Array.Clear(_genuineFold);
            Array.Clear(_impostorFold);
            for (var k = 0; k < bins.Length; k++)
            {
                var w = weights[k];
                if (w == 0) continue;
                var cells = same[k] ? _genuine : _impostor;
                (same[k] ? _genuineFold : _impostorFold)[fold[k]] += w;
                if (bins[k] < thresholds) cells[(fold[k] * thresholds) + bins[k]] += w; // accepted from threshold bins[k] on
            }

            Array.Clear(_genuineAll);
            Array.Clear(_impostorAll);
            for (var f = 0; f < folds; f++)
            {
                var o = f * thresholds;
                for (var i = 0; i < thresholds; i++)
                {
                    if (i > 0)
                    {
                        _genuine[o + i] += _genuine[o + i - 1];
                        _impostor[o + i] += _impostor[o + i - 1];
                    }

                    _genuineAll[i] += _genuine[o + i];
                    _impostorAll[i] += _impostor[o + i];
                }
            }

            var impostorTotal = _impostorFold.Sum();
            double sum = 0;
            var used = 0;
            for (var f = 0; f < folds; f++)
            {
                var held = _genuineFold[f] + _impostorFold[f];
                if (held == 0) continue;
                var o = f * thresholds;
                var trainImpostors = impostorTotal - _impostorFold[f];
                long bestCorrect = -1;
                var best = 0;
                for (var i = 0; i < thresholds; i++)
                {
                    var correct = _genuineAll[i] - _genuine[o + i] + trainImpostors - (_impostorAll[i] - _impostor[o + i]);
                    if (correct <= bestCorrect) continue;
                    bestCorrect = correct;
                    best = i;
                }

                sum += (double)(_genuine[o + best] + _impostorFold[f] - _impostor[o + best]) / held;
                used++;
            }

            return used == 0 ? double.NaN : sum / used;
        }
    }
}
