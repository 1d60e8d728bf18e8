using System.Security.Cryptography;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Data.Manifest;

/// <summary>
/// The study authors' sample-list format: one absolute image path per line, the identity being the parent folder
/// (their loader numbers identities in order of first appearance; a release orders everything by key instead).
/// </summary>
public static class PathListFormat
{
    private const int Shown = 5;

    /// <summary>The only format `manifest export` writes.</summary>
    public const string Paths = "paths";

    /// <summary>
    /// `manifest import`: <see cref="Import(string, IReadOnlyDictionary{string, string}, IReadOnlySet{string}, string, string, string, CancellationToken)"/>
    /// with the roots given as NAME=PATH entries, the release named <paramref name="name"/> or else after the
    /// <paramref name="outDir"/> folder, and this FairKd's version.
    /// </summary>
    public static DataCard Import(string listPath, IEnumerable<string> rootSpecs, IEnumerable<string> realDatasets, string outDir, string? name,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realDatasets);
        ArgumentNullException.ThrowIfNull(outDir);
        return Import(listPath, DataRoots.Parse(rootSpecs), realDatasets.ToHashSet(StringComparer.Ordinal), outDir,
            name ?? Path.GetFileName(Path.GetFullPath(outDir).TrimEnd('/')), ManifestBuildOptions.DefaultVersion, ct);
    }

    /// <summary>
    /// `manifest export`: the release in <paramref name="releaseDir"/> written in <paramref name="format"/> (only
    /// <see cref="Paths"/>: <see cref="Export(Release, IReadOnlyDictionary{string, string}, string)"/>) with the roots given as
    /// NAME=PATH entries. An unknown format is refused before the release is read.
    /// </summary>
    /// <returns>The number of paths written.</returns>
    public static int Export(string releaseDir, string format, IEnumerable<string> rootSpecs, string outFile)
    {
        if (format != Paths) throw new UsageException($"--format {format}: only '{Paths}' is supported");
        return Export(ReleaseReader.Read(releaseDir), DataRoots.Parse(rootSpecs), outFile);
    }

    /// <summary>
    /// Imports a path list into a release at <paramref name="outDir"/>: each path must lie under one of
    /// <paramref name="roots"/> (the longest matching root wins); dataset = that root's name, key = NAME/relative path,
    /// identity = NAME/parent folder; the group is the first folder named African|Asian|Caucasian|Indian, if any.
    /// Datasets in <paramref name="realDatasets"/> are "real", the others "synthetic". Nothing is removed.
    /// </summary>
    public static DataCard Import(string listPath, IReadOnlyDictionary<string, string> roots, IReadOnlySet<string> realDatasets,
        string outDir, string name, string fairKdVersion, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentNullException.ThrowIfNull(realDatasets);
        if (!File.Exists(listPath)) throw new FileNotFoundException($"path list not found: {listPath}", listPath);
        if (roots.Count == 0) throw new UsageException("give at least one --root NAME=PATH");
        var unknownReal = realDatasets.Where(d => !roots.ContainsKey(d)).ToList();
        if (unknownReal.Count > 0) throw new UsageException($"--real names datasets without a --root: {string.Join(", ", unknownReal)}");
        var ordered = roots.OrderByDescending(r => r.Value.Length).ToList();
        var samples = new List<ReleaseSample>();
        var errors = new List<string>();
        var groups = new Dictionary<string, string?>(StringComparer.Ordinal);
        var conflicts = new SortedSet<string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var raw in File.ReadLines(listPath))
        {
            lineNo++;
            ct.ThrowIfCancellationRequested();
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (!line.StartsWith('/')) { errors.Add($"line {lineNo}: not an absolute path: '{line}'"); continue; }
            var full = Path.GetFullPath(line);
            var root = ordered.FirstOrDefault(r => full.StartsWith(r.Value + "/", StringComparison.Ordinal));
            if (root.Key is null) { errors.Add($"line {lineNo}: not under any --root: '{line}'"); continue; }
            var rel = full[(root.Value.Length + 1)..];
            var slash = rel.LastIndexOf('/');
            if (slash <= 0) { errors.Add($"line {lineNo}: no identity folder between the root and the file: '{line}'"); continue; }
            var identity = SampleId.Identity(root.Key, rel[..slash]);
            var group = rel[..slash].Split('/').FirstOrDefault(seg => EthnicGroups.IndexOf(seg) >= 0);
            if (groups.TryGetValue(identity, out var g0) && g0 != group) conflicts.Add(identity);
            groups[identity] = group;
            samples.Add(new ReleaseSample(root.Key, identity, rel, SampleId.Key(root.Key, rel), null));
        }

        if (errors.Count > 0) throw new UsageException($"{listPath}: {errors.Count} bad lines: {string.Join("; ", errors.Take(Shown))}");
        if (samples.Count == 0) throw new UsageException($"{listPath}: no paths");
        samples.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var dups = samples.Where((s, i) => i > 0 && s.Key == samples[i - 1].Key).Select(s => s.Key).Distinct().ToList();
        if (dups.Count > 0) throw new UsageException($"{listPath}: {dups.Count} paths are listed more than once: {string.Join(", ", dups.Take(Shown))}");
        var ids = samples.GroupBy(s => s.Identity, StringComparer.Ordinal)
            .Select(g => new ReleaseIdentity(g.Key, g.First().Dataset, groups[g.Key], "", g.Count(), true, null))
            .OrderBy(x => x.Identity, StringComparer.Ordinal).ToList();
        var kinds = samples.Select(s => s.Dataset).Distinct().ToDictionary(d => d, d => realDatasets.Contains(d) ? "real" : "synthetic", StringComparer.Ordinal);
        var numbers = CardNumbers.Compute(ids, kinds);
        string fingerprint;
        using (var f = File.OpenRead(listPath)) fingerprint = $"{Path.GetFileName(listPath)} sha256:{Convert.ToHexStringLower(SHA256.HashData(f))}";
        var warnings = conflicts.Count == 0 ? Array.Empty<string>()
            : [$"{conflicts.Count} identities have images under different group folders (last one kept): {string.Join(", ", conflicts.Take(Shown))}"];
        return ReleaseWriter.Write(outDir, samples, ids, hashes => new DataCard
        {
            Name = name,
            Kind = "import",
            Description = "Imported from a path list (one absolute path per line).",
            Protocol = "none",
            Target = "keep all",
            FairKdVersion = fairKdVersion,
            Inputs = [fingerprint],
            Warnings = warnings,
            Numbers = numbers,
            Files = hashes,
        }, ct: ct);
    }

    /// <summary>
    /// Writes one path per sample, in key order: <c>ROOT/relative_path</c> for datasets with a root, else
    /// <c>dataset/relative_path</c>. Relative paths that are absolute or contain '..' are refused.
    /// </summary>
    public static int Export(Release release, IReadOnlyDictionary<string, string> roots, string outFile)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(roots);
        var bad = release.Samples.Where(s => DataRoots.LexicalProblem(s.RelativePath) is not null).Select(s => s.Key).ToList();
        if (bad.Count > 0) throw new UsageException($"{bad.Count} samples have unsafe relative paths: {string.Join(", ", bad.Take(Shown))}");
        ReleaseWriter.WriteTextAtomically(outFile, w =>
        {
            foreach (var s in release.Samples.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                w.Write(roots.TryGetValue(s.Dataset, out var root) ? $"{root}/{s.RelativePath}" : $"{s.Dataset}/{s.RelativePath}");
                w.Write('\n');
            }
        });
        return release.Samples.Count;
    }
}
