using FairKd.Core;
using FairKd.Data.Cache;

namespace FairKd.Data.Training;

/// <summary>Teacher targets from one or more embedding caches (a key is looked up in each in turn; lookups use the
/// caches' key sidecars, no per-sample file opens). Not thread-safe: the pipeline reads it from one stage.</summary>
public sealed class CacheTeacherTargets : ITeacherTargets, IDisposable
{
    private readonly List<EmbeddingCacheReader> _readers = [];
    private readonly float[] _e;
    private readonly float[] _f;
    private readonly float[] _p = new float[4];

    /// <summary>Opens the caches; they must agree on the embedding width.</summary>
    public CacheTeacherTargets(IEnumerable<string> dirs)
    {
        ArgumentNullException.ThrowIfNull(dirs);
        foreach (var d in dirs)
        {
            try
            {
                _readers.Add(EmbeddingCacheReader.Open(d));
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                Dispose();
                throw new UsageException($"--cache {d}: {e.Message}");
            }
        }

        if (_readers.Count == 0) throw new UsageException("give at least one --cache DIR");
        Width = _readers[0].EmbeddingSize;
        if (_readers.Any(r => r.EmbeddingSize != Width))
        {
            Dispose();
            throw new UsageException("the caches hold embeddings of different widths");
        }

        _e = new float[Width];
        _f = new float[Width];
    }

    /// <inheritdoc />
    public int Width { get; }

    /// <summary>Teacher names and weights of the caches, for the run's record.</summary>
    public IEnumerable<string> Describe() => _readers.Select(r => $"{r.Directory} ({r.Metadata.Teacher}, weights {r.Metadata.WeightsSha256[..12]})");

    /// <summary>The caches in lookup order: folder and metadata (with the recorded preprocessing).</summary>
    public IReadOnlyList<(string Directory, CacheMetadata Metadata)> Caches => [.. _readers.Select(r => (r.Directory, r.Metadata))];

    /// <inheritdoc />
    public bool Contains(string key) => _readers.Any(r => r.TryLookup(key, out _));

    /// <summary>Position in <see cref="Caches"/> of the cache that serves <paramref name="key"/> (the first holding it), or -1.</summary>
    public int CacheOf(string key) => _readers.FindIndex(r => r.TryLookup(key, out _));

    /// <inheritdoc />
    public void Get(string key, bool flipped, Span<float> destination)
    {
        foreach (var r in _readers)
        {
            if (!r.TryGetTarget(key, _e, _f, _p, out _, out _)) continue;
            (flipped ? _f : _e).CopyTo(destination);
            return;
        }

        throw new KeyNotFoundException($"sample {key} is not in any cache");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var r in _readers) r.Dispose();
        _readers.Clear();
    }
}
