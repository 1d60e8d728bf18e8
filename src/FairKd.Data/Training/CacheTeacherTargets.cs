using FairKd.Core;
using FairKd.Data.Cache;

namespace FairKd.Data.Training;

/// <summary>
/// Teacher targets from one or more embedding caches (a key is looked up in each in turn). Per cache, the key's row
/// comes from the memory-mapped key index (<see cref="KeyIndex"/>) and its target from the dense target matrix
/// (<see cref="TargetMatrix"/>, built on first use when the cache has none): one copy of 2 x width bytes (fp16) or
/// 4 x width bytes (fp32) per lookup, bit-identical to the Parquet shards, whatever the order of the keys.
/// Thread-safe: lookups only read the mapped files.
/// </summary>
public sealed class CacheTeacherTargets : ITeacherTargets, IDisposable
{
    private readonly List<EmbeddingCacheReader> _readers = [];
    private readonly List<TargetMatrix> _matrices = [];

    /// <summary>Opens the caches; they must agree on the embedding width.</summary>
    /// <param name="dirs">Cache folders, in lookup order.</param>
    /// <param name="options">How the target matrices are held (default: memory-mapped).</param>
    public CacheTeacherTargets(IEnumerable<string> dirs, TargetMatrixOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dirs);
        options ??= new TargetMatrixOptions();
        foreach (var d in dirs)
        {
            try
            {
                var reader = EmbeddingCacheReader.Open(d);
                _readers.Add(reader);
                _matrices.Add(CacheSidecars.OpenOrBuild(reader.Directory, dir => TargetMatrix.TryOpen(dir, reader.Index, options),
                    dir => TargetMatrix.Build(reader.Directory, reader.Index, dir), null, TargetMatrix.FileName));
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
    }

    /// <inheritdoc />
    public int Width { get; }

    /// <summary>Teacher names and weights of the caches, for the run's record.</summary>
    public IEnumerable<string> Describe() => _readers.Select(r => $"{r.Directory} ({r.Metadata.Teacher}, weights {r.Metadata.WeightsSha256[..12]})");

    /// <summary>The caches in lookup order: folder and metadata (with the recorded preprocessing).</summary>
    public IReadOnlyList<(string Directory, CacheMetadata Metadata)> Caches => [.. _readers.Select(r => (r.Directory, r.Metadata))];

    /// <summary>The target matrices in lookup order (sizes, residence).</summary>
    public IReadOnlyList<TargetMatrix> Matrices => _matrices;

    /// <inheritdoc />
    public bool Contains(string key) => _readers.Any(r => r.TryGetRow(key, out _));

    /// <summary>Position in <see cref="Caches"/> of the cache that serves <paramref name="key"/> (the first holding it), or -1.</summary>
    public int CacheOf(string key) => _readers.FindIndex(r => r.TryGetRow(key, out _));

    /// <inheritdoc />
    public void Get(string key, bool flipped, Span<float> destination)
    {
        for (var i = 0; i < _readers.Count; i++)
        {
            if (!_readers[i].TryGetRow(key, out var row)) continue;
            _matrices[i].Copy(row, flipped, destination);
            return;
        }

        throw new KeyNotFoundException($"sample {key} is not in any cache");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var m in _matrices) m.Dispose();
        foreach (var r in _readers) r.Dispose();
        _matrices.Clear();
        _readers.Clear();
    }
}
