using FairKd.Core;
using FairKd.Data.Cache;

namespace FairKd.Data.Train;

/// <summary>
/// Teacher targets from one or more embedding caches. Without teacher weights the caches are shards of one teacher's
/// targets (a key is looked up in each in turn); with weights (<c>--kd-weights</c>) they are several teachers of the same
/// images and a key's target is the weighted mean of every teacher's normalised embedding (weights scaled to sum 1). For
/// the MSE term that one target is the per-teacher terms in one: sum_i w_i |s - t_i|^2 = |s - sum_i w_i t_i|^2 + a constant
/// that has no gradient, so the student gets the gradient of the weighted per-teacher KD terms. Per cache, the key's row
/// comes from the memory-mapped key index (<see cref="KeyIndex"/>) and its target from the dense target matrix
/// (<see cref="TargetMatrix"/>, built on first use when the cache has none): one copy of 2 x width bytes (fp16) or
/// 4 x width bytes (fp32) per lookup, bit-identical to the Parquet shards, whatever the order of the keys.
/// Thread-safe: lookups only read the mapped files.
/// </summary>
public sealed class CacheTeacherTargets : ITeacherTargets, IDisposable
{
    private readonly List<EmbeddingCacheReader> _readers = [];
    private readonly List<TargetMatrix> _matrices = [];

    private readonly float[]? _weights;

    /// <summary>Opens the caches; they must agree on the embedding width (and, as teachers, on the preprocessing).</summary>
    /// <param name="dirs">Cache folders, in lookup order.</param>
    /// <param name="options">How the target matrices are held (default: memory-mapped).</param>
    /// <param name="teacherWeights">One weight per cache (>= 0, at least one > 0): the caches are teachers of the same images
    /// and targets are their weighted mean; null: the caches are shards of one teacher.</param>
    public CacheTeacherTargets(IEnumerable<string> dirs, TargetMatrixOptions? options = null, IReadOnlyList<double>? teacherWeights = null)
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

        if (teacherWeights is not null) _weights = TeacherWeights(teacherWeights);
    }

    private float[] TeacherWeights(IReadOnlyList<double> given)
    {
        string? problem = null;
        if (given.Count != _readers.Count) problem = $"--kd-weights has {given.Count} weights for {_readers.Count} caches: give one per --cache, in the same order";
        else if (given.Any(w => !double.IsFinite(w) || w < 0)) problem = "--kd-weights must be finite and >= 0";
        else if (given.Sum() <= 0) problem = "--kd-weights: at least one weight must be > 0";
        else
        {
            var lines = _readers.Select(r => r.Metadata.RecordedPreprocessing()?.CanonicalLine() ?? r.Metadata.Preprocessing).ToList();
            var other = lines.FindIndex(l => l != lines[0]);
            if (other > 0)
                problem = $"the teachers' caches were made with different preprocessing ({_readers[0].Directory}: {lines[0]}; {_readers[other].Directory}: {lines[other]}): a student sees one image, embed every teacher's cache with the same imaging options";
        }

        if (problem is not null)
        {
            Dispose();
            throw new UsageException(problem);
        }

        var sum = given.Sum();
        return [.. given.Select(w => (float)(w / sum))];
    }

    /// <summary>The teachers' weights (scaled to sum 1) when the caches are several teachers, else null.</summary>
    public IReadOnlyList<float>? Weights => _weights;

    /// <inheritdoc />
    public int Width { get; }

    /// <summary>Teacher names and weights of the caches, for the run's record.</summary>
    public IEnumerable<string> Describe() => _readers.Select(r => $"{r.Directory} ({r.Metadata.Teacher}, weights {r.Metadata.WeightsSha256[..12]})");

    /// <summary>The caches in lookup order: folder and metadata (with the recorded preprocessing).</summary>
    public IReadOnlyList<(string Directory, CacheMetadata Metadata)> Caches => [.. _readers.Select(r => (r.Directory, r.Metadata))];

    /// <summary>The target matrices in lookup order (sizes, residence).</summary>
    public IReadOnlyList<TargetMatrix> Matrices => _matrices;

    /// <inheritdoc />
    public bool Contains(string key) => _weights is null ? _readers.Any(r => r.TryGetRow(key, out _)) : _readers.All(r => r.TryGetRow(key, out _));

    /// <summary>Position in <see cref="Caches"/> of the cache that serves <paramref name="key"/> (the first holding it), or -1.</summary>
    public int CacheOf(string key) => _readers.FindIndex(r => r.TryGetRow(key, out _));

    /// <inheritdoc />
    public void Get(string key, bool flipped, Span<float> destination)
    {
        if (_weights is not null)
        {
            GetMean(key, flipped, destination);
            return;
        }

        for (var i = 0; i < _readers.Count; i++)
        {
            if (!_readers[i].TryGetRow(key, out var row)) continue;
            _matrices[i].Copy(row, flipped, destination);
            return;
        }

        throw new KeyNotFoundException($"sample {key} is not in any cache");
    }

    private void GetMean(string key, bool flipped, Span<float> destination)
    {
        Span<float> one = Width <= 1024 ? stackalloc float[Width] : new float[Width];
        destination[..Width].Clear();
        for (var i = 0; i < _readers.Count; i++)
        {
            if (!_readers[i].TryGetRow(key, out var row)) throw new KeyNotFoundException($"sample {key} is not in the cache of teacher {i + 1} ({_readers[i].Directory})");
            if (_weights![i] == 0) continue;
            _matrices[i].Copy(row, flipped, one);
            for (var d = 0; d < Width; d++) destination[d] += _weights[i] * one[d];
        }
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
