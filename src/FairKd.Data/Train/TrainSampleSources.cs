using FairKd.Core;
using FairKd.Data.Manifest;
using FairKd.Data.Readers;

namespace FairKd.Data.Train;

/// <summary>Builds the training sample list from a released manifest or from dataset folders, sorted by key (ordinal).</summary>
public static class TrainSampleSources
{
    /// <summary>The samples of a release folder; <paramref name="roots"/> maps each of its datasets to a folder.
    /// Datasets without a root, absolute paths and <c>..</c> segments are usage errors.</summary>
    public static IReadOnlyList<TrainSample> FromRelease(string releaseDir, IReadOnlyDictionary<string, string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var release = ReleaseReader.Read(releaseDir);
        var groups = release.Identities.Where(i => i.Kept).ToDictionary(i => i.Identity, i => i.Group, StringComparer.Ordinal);
        var missing = release.Samples.Select(s => s.Dataset).Distinct(StringComparer.Ordinal).Where(d => !roots.ContainsKey(d)).ToList();
        if (missing.Count > 0)
            throw new UsageException($"{releaseDir} lists datasets without a --data-root: {string.Join(", ", missing)} (give --data-root NAME=PATH for each)");
        var list = new List<TrainSample>(release.Samples.Count);
        foreach (var s in release.Samples)
        {
            var rel = s.RelativePath.Replace('\\', '/');
            if (Path.IsPathRooted(rel) || rel.Split('/').Any(c => c is ".." or ""))
                throw new UsageException($"{releaseDir}: sample {s.Key} has an unsafe relative path '{s.RelativePath}'");
            list.Add(new TrainSample(s.Key, s.Dataset, s.Identity, groups.GetValueOrDefault(s.Identity), Path.Combine(roots[s.Dataset], rel), rel));
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    /// <summary>The images of dataset folders (every file the reader lists; groups from a group/identity/image layout).</summary>
    public static IReadOnlyList<TrainSample> FromReaders(IEnumerable<ISampleReader> readers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(readers);
        var list = new List<TrainSample>();
        foreach (var r in readers)
        {
            foreach (var s in r.Enumerate(ct))
            {
                if (s.Source is not Core.Records.FileSource f)
                    throw new UsageException($"dataset {r.Dataset}: training reads image files; convert RecordIO with `fairkd ingest --write-aligned` first");
                list.Add(new TrainSample(s.Key, s.Dataset, s.Identity, s.Group, f.FullPath, s.RelativePath));
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    /// <summary>Class index per identity: identities in ordinal order get 0..C-1.</summary>
    public static Dictionary<string, int> IdentityClasses(IEnumerable<TrainSample> samples) =>
        samples.Select(s => s.Identity).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((id, i) => (id, i)).ToDictionary(t => t.id, t => t.i, StringComparer.Ordinal);
}
