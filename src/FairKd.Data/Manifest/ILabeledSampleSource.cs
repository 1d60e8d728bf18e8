using FairKd.Core.Records;

namespace FairKd.Data.Manifest;

/// <summary>Where `fairkd manifest build` reads labelled samples from (one cache folder at a time).</summary>
public interface ILabeledSampleSource
{
    /// <summary>Every labelled sample of the cache. Malformed entries are reported as a <see cref="Core.UsageException"/>
    /// naming the first offending lines and their count (after the whole input was read).</summary>
    IEnumerable<LabeledSample> Read(string cacheDir);

    /// <summary>A stable fingerprint of the cache's content (recorded in the release card).</summary>
    string Fingerprint(string cacheDir);

    /// <summary>
    /// The samples of <see cref="Read"/>, in the same order and with the same errors, handed to <paramref name="sink"/>
    /// one at a time as spans (a source that can parse without a string per field overrides this; the default
    /// enumerates <see cref="Read"/>).
    /// </summary>
    void ReadInto(string cacheDir, ILabeledSampleSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        foreach (var s in Read(cacheDir)) sink.Add(s);
    }
}

/// <summary>Receives labelled samples as spans (valid only during the call): the manifest builder's input at scale.</summary>
public interface ILabeledSampleSink
{
    /// <summary>One sample: the fields of a <see cref="LabeledSample"/> (<paramref name="ethnicity"/> empty: no soft labels).</summary>
    void Add(ReadOnlySpan<char> key, ReadOnlySpan<char> dataset, ReadOnlySpan<char> identity, string? folderGroup,
        ReadOnlySpan<char> relativePath, ReadOnlySpan<float> ethnicity, string? sha256);
}

/// <summary>Helpers of <see cref="ILabeledSampleSink"/>.</summary>
public static class LabeledSampleSinks
{
    /// <summary>Hands one <see cref="LabeledSample"/> to <paramref name="sink"/>.</summary>
    public static void Add(this ILabeledSampleSink sink, LabeledSample s)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(s);
        sink.Add(s.Key, s.Dataset, s.Identity, s.FolderGroup, s.RelativePath, s.Ethnicity, s.Sha256);
    }
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
