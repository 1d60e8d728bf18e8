using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Data.Manifest;

/// <summary>
/// Builds a release from labelled samples and a recipe: validates the samples, sums each identity's soft labels,
/// runs the recipe's protocol (<see cref="RecipePlanner"/>), and writes samples.csv, identities.csv, card.json and
/// card.md atomically (<see cref="ReleaseWriter"/>). Output bytes depend only on the set of inputs, not their order.
/// </summary>
public static class ManifestBuilder
{
    private const int Shown = 5;

    /// <summary>
    /// One image of a recipe dataset: its key as a place in the collector's character chunks (no string per key: 42 M
    /// of them, with their object headers, were most of the memory and the sort's cache misses at WebFace42M size).
    /// </summary>
    private struct Row
    {
        public long Key; // chunk << 32 | offset
        public int KeyLength;
        public int Identity;
        /// <summary>Null when it is the key without its <c>dataset/</c> prefix (the usual case).</summary>
        public string? RelativePath;
        public string? Sha256;
        public sbyte FolderGroup;
        public sbyte Argmax;
    }

    private sealed class Acc(string identity, string dataset, string? folderGroup)
    {
        public string Identity { get; } = identity;
        public string Dataset { get; } = dataset;
        public string? FolderGroup { get; } = folderGroup;
        public bool FolderConflict { get; set; }
        public bool MissingLabels { get; set; }
        public int Images { get; set; }
        public LabelSum Labels { get; set; }
    }

    /// <summary>
    /// Validates <paramref name="samples"/> (samples of datasets the recipe does not name are skipped), samples the
    /// identities and writes the release into <paramref name="outDir"/>.
    /// </summary>
    /// <exception cref="UsageException">bad input: names the first offending rows (sorted) and the count of each problem.</exception>
    public static Task<ManifestBuildResult> BuildAsync(Recipe recipe, IEnumerable<LabeledSample> samples, string outDir,
        ManifestBuildOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(samples);
        return BuildAsync(recipe, sink =>
        {
            foreach (var s in samples) sink.Add(s);
        }, outDir, options, ct);
    }

    /// <summary>
    /// As <see cref="BuildAsync(Recipe, IEnumerable{LabeledSample}, string, ManifestBuildOptions, CancellationToken)"/>,
    /// the samples handed over by <paramref name="feed"/> as spans (e.g. <see cref="ILabeledSampleSource.ReadInto"/>
    /// of each cache in turn): same release, without a <see cref="LabeledSample"/> and its strings per image.
    /// </summary>
    public static Task<ManifestBuildResult> BuildAsync(Recipe recipe, Action<ILabeledSampleSink> feed, string outDir,
        ManifestBuildOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => Build(recipe, feed, outDir, options, ct), ct);
    }

    /// <summary>Checks and collects the samples as they come: per-identity sums, rows with keys in character chunks.</summary>
    private sealed class Collector : ILabeledSampleSink
    {
        private const int ChunkChars = 1 << 24;
        private const int RowChunkBits = 20;

        private readonly Recipe _recipe;
        private readonly ManifestBuildOptions _options;
        private readonly CancellationToken _ct;
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _named;
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _present;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _index;
        private readonly List<char[]> _chunks = [];
        private int _used, _capacity;
        private readonly List<Row[]> _rows = [];
        private string? _lastDataset, _lastNamed;
        private int _lastIdentity = -1;

        public Collector(Recipe recipe, ManifestBuildOptions options, CancellationToken ct)
        {
            _recipe = recipe;
            _options = options;
            _ct = ct;
            _named = recipe.Datasets.ToHashSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
            _present = Present.GetAlternateLookup<ReadOnlySpan<char>>();
            _index = new Dictionary<string, int>(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public HashSet<string> Named => _named.Set;
        public HashSet<string> Present { get; } = new(StringComparer.Ordinal);
        public List<Acc> Accs { get; } = [];
        public Problems Problems { get; } = new();
        public long Warned { get; private set; }
        public long Read { get; private set; }
        public int Count { get; private set; }

        public ref Row this[int i] => ref _rows[i >> RowChunkBits][i & ((1 << RowChunkBits) - 1)];

        public ReadOnlySpan<char> Key(in Row r) => _chunks[(int)(r.Key >> 32)].AsSpan((int)r.Key, r.KeyLength);

        public void Add(ReadOnlySpan<char> key, ReadOnlySpan<char> dataset, ReadOnlySpan<char> identity, string? folderGroup,
            ReadOnlySpan<char> relativePath, ReadOnlySpan<float> p, string? sha256)
        {
            Read++;
            if ((Count & 0xFFFF) == 0) _ct.ThrowIfCancellationRequested();
            string? ds;
            if (_lastDataset is not null && dataset.SequenceEqual(_lastDataset)) ds = _lastNamed; // runs of one dataset: no lookups
            else
            {
                if (!_present.Contains(dataset)) Present.Add(dataset.ToString());
                _lastDataset = _present.TryGetValue(dataset, out var seen) ? seen : null;
                _lastNamed = _named.TryGetValue(dataset, out ds) ? ds : null;
            }

            if (ds is null) return;
            if (folderGroup is not null && EthnicGroups.IndexOf(folderGroup) < 0)
                Problems.Add("samples have an unknown folder group (use African|Asian|Caucasian|Indian or none)", key.ToString());
            int id;
            if (_lastIdentity >= 0 && identity.SequenceEqual(Accs[_lastIdentity].Identity)) id = _lastIdentity; // runs of one identity
            else if (!_index.TryGetValue(identity, out id))
            {
                id = Accs.Count;
                var name = identity.ToString();
                _index.Dictionary.Add(name, id);
                Accs.Add(new Acc(name, ds, folderGroup));
            }

            _lastIdentity = id;
            var acc = Accs[id];
            if (acc.Dataset != ds) Problems.Add("identities occur in more than one dataset", acc.Identity);
            if (acc.FolderGroup != folderGroup) acc.FolderConflict = true;
            acc.Images++;
            sbyte argmax = -1;
            if (p.Length == 0) acc.MissingLabels = true;
            else if (p.Length != 4 || !(p[0] is >= 0 and <= 1 && p[1] is >= 0 and <= 1 && p[2] is >= 0 and <= 1 && p[3] is >= 0 and <= 1))
                Problems.Add("samples have invalid soft labels (need 4 values in [0, 1])", key.ToString());
            else
            {
                var off = Math.Abs((double)p[0] + p[1] + p[2] + p[3] - 1);
                if (off > _recipe.SoftLabelTolerance)
                    Problems.Add($"samples have soft labels not summing to 1 within {_recipe.SoftLabelTolerance.ToString(CultureInfo.InvariantCulture)} (softLabelTolerance)", key.ToString());
                else if (off > _options.SoftLabelWarnAbove) Warned++;
                acc.Labels += LabelSum.FromProbabilities(p);
                argmax = (sbyte)ArgmaxTally.Argmax(p);
            }

            var derived = key.Length == ds.Length + 1 + relativePath.Length && key.StartsWith(ds)
                && key[ds.Length] == '/' && key.EndsWith(relativePath);
            if (Count == _capacity) Grow();
            this[Count++] = new Row
            {
                Key = Store(key), KeyLength = key.Length, RelativePath = derived ? null : relativePath.ToString(), Sha256 = sha256,
                Identity = id, FolderGroup = (sbyte)EthnicGroups.IndexOf(folderGroup), Argmax = argmax,
            };
        }

        /// <summary>Row chunks of 2^20 rows; the first one starts small and doubles (small inputs stay small).</summary>
        private void Grow()
        {
            const int chunkRows = 1 << RowChunkBits;
            if (_rows.Count == 0) _rows.Add(new Row[1024]);
            else if (_rows.Count == 1 && _rows[0].Length < chunkRows)
            {
                var first = _rows[0];
                Array.Resize(ref first, first.Length * 2);
                _rows[0] = first;
            }
            else _rows.Add(new Row[chunkRows]);

            _capacity = _rows.Count == 1 ? _rows[0].Length : _rows.Count << RowChunkBits;
        }

        private long Store(ReadOnlySpan<char> key)
        {
            if (_chunks.Count == 0 || _used + key.Length > _chunks[^1].Length)
            {
                _chunks.Add(new char[Math.Max(key.Length, Math.Min(ChunkChars, 4096 << Math.Min(_chunks.Count, 12)))]); // 4 K chars doubling to 16 M
                _used = 0;
            }

            key.CopyTo(_chunks[^1].AsSpan(_used));
            var at = ((long)(_chunks.Count - 1) << 32) | (uint)_used;
            _used += key.Length;
            return at;
        }

        /// <summary>Row numbers in ordinal key order (a check first: inputs usually come sorted; else a parallel merge sort).</summary>
        public int[] SortedOrder()
        {
            var order = new int[Count];
            for (var i = 0; i < order.Length; i++) order[i] = i;
            var sorted = true;
            for (var i = 1; i < order.Length && sorted; i++)
                sorted = Key(this[i - 1]).SequenceCompareTo(Key(this[i])) <= 0;
            if (sorted) return order;
            var comparer = Comparer<int>.Create((a, b) => Key(this[a]).SequenceCompareTo(Key(this[b])));
            var parts = Math.Max(1, Math.Min(Environment.ProcessorCount, order.Length / 65_536));
            var bounds = Enumerable.Range(0, parts + 1).Select(k => (int)((long)order.Length * k / parts)).ToArray();
            Parallel.For(0, parts, k => Array.Sort(order, bounds[k], bounds[k + 1] - bounds[k], comparer));
            if (parts == 1) return order;
            var scratch = new int[order.Length];
            for (var width = 1; width < parts; width *= 2)
            {
                var w = width;
                Parallel.For(0, (parts + (2 * w) - 1) / (2 * w), m =>
                {
                    var lo = bounds[m * 2 * w];
                    var mid = bounds[Math.Min((m * 2 * w) + w, parts)];
                    var hi = bounds[Math.Min((m * 2 * w) + (2 * w), parts)];
                    int i = lo, j = mid, o = lo;
                    while (i < mid && j < hi) scratch[o++] = comparer.Compare(order[j], order[i]) < 0 ? order[j++] : order[i++];
                    while (i < mid) scratch[o++] = order[i++];
                    while (j < hi) scratch[o++] = order[j++];
                });
                (order, scratch) = (scratch, order);
            }

            return order;
        }
    }

    private static ManifestBuildResult Build(Recipe recipe, Action<ILabeledSampleSink> feed, string outDir, ManifestBuildOptions options,
        CancellationToken ct)
    {
        recipe.Validate();
        RecipeReleaseFields.Require(recipe, $"recipe {recipe.Name}");
        var timing = new Timing();
        var c = new Collector(recipe, options, ct);
        feed(c);
        timing.Lap("read (parse, check, group)");
        var (named, present, accs, problems, warned, read) = (c.Named, c.Present, c.Accs, c.Problems, c.Warned, c.Read);
        foreach (var a in accs)
        {
            if (a.MissingLabels) problems.Add("identities have images without soft labels", a.Identity);
            if (a.FolderConflict) problems.Add("identities have images in different folder groups", a.Identity);
        }

        var missing = recipe.Datasets.Where(d => !present.Contains(d)).ToList();
        foreach (var d in missing) problems.Add("datasets named in the recipe are not in the input", d);
        var sorted = c.SortedOrder();
        timing.Lap("sort");
        for (var i = 1; i < sorted.Length; i++)
            if (c.Key(c[sorted[i]]).SequenceEqual(c.Key(c[sorted[i - 1]]))) problems.Add("sample keys occur more than once", c.Key(c[sorted[i]]).ToString());
        problems.ThrowIfAny(present);
        ct.ThrowIfCancellationRequested();

        var identities = accs.Select(a => new SamplingIdentity(a.Identity, a.Dataset, false, EthnicGroups.IndexOf(a.FolderGroup), a.Images, a.Labels)).ToList();
        var plan = RecipePlanner.Plan(recipe, identities);
        timing.Lap("sample (plan)");
        var result = plan.Result; // same order as accs: the planner keeps all of them (every acc is of a named dataset)
        var releaseIds = new ReleaseIdentity[accs.Count];
        for (var i = 0; i < accs.Count; i++)
        {
            var rank = result.RemovalRank(i);
            releaseIds[i] = new ReleaseIdentity(accs[i].Identity, accs[i].Dataset, EthnicGroups.Order[result.Group[i]],
                result.ScoreValue(i).ToString("R", CultureInfo.InvariantCulture), accs[i].Images, rank < 0, rank < 0 ? null : rank + 1);
        }

        Array.Sort(releaseIds, static (a, b) => string.CompareOrdinal(a.Identity, b.Identity));
        var kinds = recipe.Real.ToDictionary(d => d, _ => "real", StringComparer.Ordinal);
        foreach (var d in recipe.Synthetic) kinds[d] = "synthetic";
        var numbers = CardNumbers.Compute(releaseIds, kinds);
        var warnings = warned == 0 ? Array.Empty<string>()
            : [$"{warned} images have soft labels whose sum differs from 1 by more than {options.SoftLabelWarnAbove.ToString(CultureInfo.InvariantCulture)}"];
        var resolved = recipe with { Protocol = recipe.ResolvedProtocol.Name() };
        var quota = recipe.Quota;
        var tally = new ArgmaxTally();
        for (var i = 0; i < c.Count; i++)
        {
            ref var r = ref c[i];
            if (result.IsKept(r.Identity)) tally.Add(r.FolderGroup, r.Argmax);
        }

        timing.Lap("identities, tally");
        void WriteSamples(TextWriter w)
        {
            for (var n = 0; n < sorted.Length; n++)
            {
                if ((n & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
                ref var r = ref c[sorted[n]];
                if (!result.IsKept(r.Identity)) continue;
                var acc = accs[r.Identity];
                var key = c.Key(r);
                Csv.WriteField(w, acc.Dataset);
                w.Write(',');
                Csv.WriteField(w, acc.Identity);
                w.Write(',');
                Csv.WriteField(w, r.RelativePath is null ? key[(acc.Dataset.Length + 1)..] : r.RelativePath);
                w.Write(',');
                Csv.WriteField(w, key);
                w.Write(',');
                Csv.WriteField(w, r.Sha256);
                w.Write('\n');
            }
        }

        var provenance = options.Provenance?
            .Count("samplesRead", read).Count("samplesInRecipeDatasets", c.Count).Count("identities", accs.Count)
            .Count("samplesKept", numbers.KeptImages).Count("identitiesKept", numbers.KeptIdentities).Count("softLabelWarnings", warned)
            .Finish(read, "samples");
        var card = ReleaseWriter.Write(outDir, WriteSamples, releaseIds, hashes => new DataCard
        {
            Provenance = provenance,
            Name = recipe.Name,
            Kind = recipe.Kind.ToString().ToLowerInvariant(),
            Description = recipe.Description,
            Protocol = resolved.Protocol!,
            Target = result.Target?.ToString() ?? "keep all",
            MixMode = recipe.Kind == RecipeKind.Mix ? recipe.Mode.ToString().ToLowerInvariant() : null,
            RequestedRealFraction = quota?.RealFraction,
            FractionBy = quota?.Unit.ToString().ToLowerInvariant(),
            FairKdVersion = options.FairKdVersion,
            Inputs = [.. options.InputFingerprints.Order(StringComparer.Ordinal)],
            IgnoredDatasets = [.. present.Where(d => !named.Contains(d)).Order(StringComparer.Ordinal)],
            Warnings = warnings,
            Numbers = numbers,
            Files = hashes,
            Recipe = JsonSerializer.SerializeToElement(resolved, RecipeJson.Options),
        }.WithReleaseFields(recipe, ReleaseCard.Ethnicity(recipe, tally.ToFolderAgreement(), ReleaseCard.NoFolderGroups, options.HeldOut), null),
            options.BeforeCommit, ct);
        timing.Lap("write (samples, identities, hashes, card)");
        return new ManifestBuildResult(Path.GetFullPath(outDir), card);
    }

    /// <summary>Phase times on standard error when FAIRKD_MANIFEST_TIMING is set (the profile behind results/scale.md section 5).</summary>
    private sealed class Timing
    {
        private readonly bool _on = Environment.GetEnvironmentVariable("FAIRKD_MANIFEST_TIMING") is not null;
        private long _last = Stopwatch.GetTimestamp();

        public void Lap(string name)
        {
            var now = Stopwatch.GetTimestamp();
            if (_on) Console.Error.WriteLine($"manifest build: {name}: {(now - _last) / (double)Stopwatch.Frequency:F2} s");
            _last = now;
        }
    }

    /// <summary>Problems by kind, each with its offenders; reported together, offenders sorted, first few shown.</summary>
    private sealed class Problems
    {
        private readonly Dictionary<string, HashSet<string>> _byKind = new(StringComparer.Ordinal);
        private readonly List<string> _order = [];

        public void Add(string kind, string offender)
        {
            if (!_byKind.TryGetValue(kind, out var set))
            {
                _byKind[kind] = set = new HashSet<string>(StringComparer.Ordinal);
                _order.Add(kind);
            }

            set.Add(offender);
        }

        public void ThrowIfAny(IEnumerable<string> presentDatasets)
        {
            if (_order.Count == 0) return;
            var parts = _order.Order(StringComparer.Ordinal).Select(k =>
            {
                var o = _byKind[k].Order(StringComparer.Ordinal).ToList();
                return $"{o.Count} {k}: {string.Join(", ", o.Take(Shown))}{(o.Count > Shown ? ", ..." : "")}";
            }).ToList();
            if (_byKind.ContainsKey("datasets named in the recipe are not in the input"))
                parts.Add($"(the input has: {string.Join(", ", presentDatasets.Order(StringComparer.Ordinal))})");
            throw new UsageException(string.Join("; ", parts));
        }
    }
}
