using FairKd.Core.Records;

namespace FairKd.Data.Manifests;

/// <summary>Where `fairkd manifest build` reads labelled samples from (one cache folder at a time).</summary>
public interface ILabeledSampleSource
{
    /// <summary>Every labelled sample of the cache. Malformed entries are reported as a <see cref="Core.UsageException"/>
    /// naming the first offending lines and their count (after the whole input was read).</summary>
    IEnumerable<LabeledSample> Read(string cacheDir);

    /// <summary>A stable fingerprint of the cache's content (recorded in the release card).</summary>
    string Fingerprint(string cacheDir);
}

/// <summary>Picks the reader for a cache folder. The embedding-cache reader plugs in here.</summary>
public static class LabeledSampleSources
{
    /// <summary>The source for <paramref name="cacheDir"/>: an embedding cache (<c>_cache.json</c>,
    /// <see cref="EmbeddingCacheLabelSource"/>) or a <c>labels.csv</c> import (<see cref="CsvLabeledSampleSource"/>).</summary>
    public static ILabeledSampleSource ForCache(string cacheDir)
    {
        ArgumentNullException.ThrowIfNull(cacheDir);
        if (!Directory.Exists(cacheDir)) throw new DirectoryNotFoundException($"cache folder not found: {cacheDir}");
        if (File.Exists(Path.Combine(cacheDir, Cache.CacheIndex.FileName))) return new EmbeddingCacheLabelSource();
        if (File.Exists(Path.Combine(cacheDir, CsvLabeledSampleSource.FileName))) return new CsvLabeledSampleSource();
        throw new Core.UsageException($"{cacheDir}: no readable labels found (expected {Cache.CacheIndex.FileName} or {CsvLabeledSampleSource.FileName})");
    }
}
