using System.Globalization;
using System.Text.Json;
using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Data.Manifests;

/// <summary>
/// Builds a release from labelled samples and a recipe: validates the samples, sums each identity's soft labels,
/// runs the recipe's protocol (<see cref="RecipePlanner"/>), and writes samples.csv, identities.csv, card.json and
/// card.md atomically (<see cref="ReleaseWriter"/>). Output bytes depend only on the set of inputs, not their order.
/// </summary>
public static class ManifestBuilder
{
    private const int Shown = 5;

    private struct Row
    {
        public string Key;
        /// <summary>Null when it is the key without its <c>dataset/</c> prefix (the usual case: half the memory of a row at 42 M images).</summary>
        public string? RelativePath;
        public string? Sha256;
        public int Identity;
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
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(options);
        return Task.Run(() => Build(recipe, samples, outDir, options, ct), ct);
    }

    private static ManifestBuildResult Build(Recipe recipe, IEnumerable<LabeledSample> samples, string outDir, ManifestBuildOptions options,
        CancellationToken ct)
    {
        recipe.Validate();
        RecipeReleaseFields.Require(recipe, $"recipe {recipe.Name}");
        var named = recipe.Datasets.ToHashSet(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var accs = new List<Acc>();
        var rows = new List<Row>();
        var problems = new Problems();
        long warned = 0, read = 0;
        foreach (var s in samples)
        {
            read++;
            if ((rows.Count & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
            present.Add(s.Dataset);
            if (!named.Contains(s.Dataset)) continue;
            if (s.FolderGroup is not null && EthnicGroups.IndexOf(s.FolderGroup) < 0)
                problems.Add("samples have an unknown folder group (use African|Asian|Caucasian|Indian or none)", s.Key);
            if (!index.TryGetValue(s.Identity, out var id))
            {
                id = accs.Count;
                index.Add(s.Identity, id);
                accs.Add(new Acc(s.Identity, s.Dataset, s.FolderGroup));
            }

            var acc = accs[id];
            if (acc.Dataset != s.Dataset) problems.Add("identities occur in more than one dataset", s.Identity);
            if (acc.FolderGroup != s.FolderGroup) acc.FolderConflict = true;
            acc.Images++;
            var p = s.Ethnicity;
            sbyte argmax = -1;
            if (p is null || p.Length == 0) acc.MissingLabels = true;
            else if (p.Length != 4 || !(p[0] is >= 0 and <= 1 && p[1] is >= 0 and <= 1 && p[2] is >= 0 and <= 1 && p[3] is >= 0 and <= 1))
                problems.Add("samples have invalid soft labels (need 4 values in [0, 1])", s.Key);
            else
            {
                var off = Math.Abs((double)p[0] + p[1] + p[2] + p[3] - 1);
                if (off > recipe.SoftLabelTolerance)
                    problems.Add($"samples have soft labels not summing to 1 within {recipe.SoftLabelTolerance.ToString(CultureInfo.InvariantCulture)} (softLabelTolerance)", s.Key);
                else if (off > options.SoftLabelWarnAbove) warned++;
                acc.Labels += LabelSum.FromProbabilities(p);
                argmax = (sbyte)ArgmaxTally.Argmax(p);
            }

            var derived = s.Key.Length == s.Dataset.Length + 1 + s.RelativePath.Length && s.Key.StartsWith(s.Dataset, StringComparison.Ordinal)
                && s.Key[s.Dataset.Length] == '/' && s.Key.EndsWith(s.RelativePath, StringComparison.Ordinal);
            rows.Add(new Row
            {
                Key = s.Key, RelativePath = derived ? null : s.RelativePath, Sha256 = s.Sha256, Identity = id,
                FolderGroup = (sbyte)EthnicGroups.IndexOf(s.FolderGroup), Argmax = argmax,
            });
        }

        foreach (var a in accs)
        {
            if (a.MissingLabels) problems.Add("identities have images without soft labels", a.Identity);
            if (a.FolderConflict) problems.Add("identities have images in different folder groups", a.Identity);
        }

        var missing = recipe.Datasets.Where(d => !present.Contains(d)).ToList();
        foreach (var d in missing) problems.Add("datasets named in the recipe are not in the input", d);
        var sorted = rows; // sorted in place: no second copy of the rows
        sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        for (var i = 1; i < sorted.Count; i++)
            if (sorted[i].Key == sorted[i - 1].Key) problems.Add("sample keys occur more than once", sorted[i].Key);
        problems.ThrowIfAny(present);
        ct.ThrowIfCancellationRequested();

        var identities = accs.Select(a => new SamplingIdentity(a.Identity, a.Dataset, false, EthnicGroups.IndexOf(a.FolderGroup), a.Images, a.Labels)).ToList();
        var plan = RecipePlanner.Plan(recipe, identities);
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
        foreach (var r in sorted)
            if (result.IsKept(r.Identity)) tally.Add(r.FolderGroup, r.Argmax);

        var keptSamples = sorted.Where(r => result.IsKept(r.Identity))
            .Select(r => new ReleaseSample(accs[r.Identity].Dataset, accs[r.Identity].Identity,
                r.RelativePath ?? r.Key[(accs[r.Identity].Dataset.Length + 1)..], r.Key, r.Sha256));
        var provenance = options.Provenance?
            .Count("samplesRead", read).Count("samplesInRecipeDatasets", rows.Count).Count("identities", accs.Count)
            .Count("samplesKept", numbers.KeptImages).Count("identitiesKept", numbers.KeptIdentities).Count("softLabelWarnings", warned)
            .Finish(read, "samples");
        var card = ReleaseWriter.Write(outDir, keptSamples, releaseIds, hashes => new DataCard
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
        return new ManifestBuildResult(Path.GetFullPath(outDir), card);
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
