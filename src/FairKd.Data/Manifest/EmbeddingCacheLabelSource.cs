using System.Security.Cryptography;
using System.Text;
using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Cache;

namespace FairKd.Data.Manifest;

/// <summary>
/// Reads labelled samples from a teacher embedding cache (<c>_cache.json</c> + Parquet shards): only the key,
/// identity, group and ethnicity columns are read, never the embeddings.
/// </summary>
public sealed class EmbeddingCacheLabelSource : ILabeledSampleSource
{
    /// <inheritdoc/>
    public IEnumerable<LabeledSample> Read(string cacheDir)
    {
        using var reader = EmbeddingCacheReader.Open(cacheDir);
        return reader.ReadLabelsAsync().GetAwaiter().GetResult();
    }

    /// <summary>SHA-256 over the cache's input fingerprint and every indexed shard's SHA-256, in index order.</summary>
    public string Fingerprint(string cacheDir)
    {
        var index = CacheIndex.TryLoad(cacheDir)
            ?? throw new UsageException($"{cacheDir}: no {CacheIndex.FileName} (not an embedding cache)");
        var text = new StringBuilder(index.Fingerprint).Append('\n');
        foreach (var shard in index.Shards) text.Append(shard.File).Append(' ').Append(shard.Sha256).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
