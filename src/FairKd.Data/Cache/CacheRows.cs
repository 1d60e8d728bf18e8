using FairKd.Core.Records;

namespace FairKd.Data.Cache;

/// <summary>
/// Columns of up to <see cref="Capacity"/> cache rows in reusable arrays: what one Parquet row group holds.
/// The writer fills it; the reader loads into it (embeddings always as fp32 here, whatever the encoding on disk).
/// </summary>
public sealed class CacheRows
{
    public CacheRows(int capacity, int embeddingSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        Capacity = capacity;
        EmbeddingSize = embeddingSize;
        Keys = new string[capacity];
        Datasets = new string[capacity];
        Identities = new string[capacity];
        Groups = new string?[capacity];
        Sha256s = new string?[capacity];
        Embeddings = new float[(long)capacity * embeddingSize];
        FlippedEmbeddings = new float[(long)capacity * embeddingSize];
        Norms = new float[capacity];
        FlippedNorms = new float[capacity];
        Ethnicity = [.. Enumerable.Range(0, EthnicGroups.Order.Length).Select(_ => new float[capacity])];
    }

    public int Capacity { get; }

    public int EmbeddingSize { get; }

    /// <summary>Rows currently held.</summary>
    public int Count { get; internal set; }

    /// <summary>Shard index (in the cache's shard list) these rows come from (reader side).</summary>
    public int ShardIndex { get; internal set; }

    /// <summary>Row number, within its shard, of row 0 of this block (reader side).</summary>
    public int FirstRow { get; internal set; }

    public string[] Keys { get; }

    public string[] Datasets { get; }

    public string[] Identities { get; }

    public string?[] Groups { get; }

    public string?[] Sha256s { get; }

    /// <summary>Row-major [Count, EmbeddingSize] L2-normalised embeddings.</summary>
    public float[] Embeddings { get; }

    public float[] FlippedEmbeddings { get; }

    public float[] Norms { get; }

    public float[] FlippedNorms { get; }

    /// <summary>One array per ethnic group, in <see cref="EthnicGroups.Order"/>.</summary>
    public float[][] Ethnicity { get; }

    public bool IsFull => Count == Capacity;

    public ReadOnlySpan<float> Embedding(int row) => Embeddings.AsSpan(row * EmbeddingSize, EmbeddingSize);

    public ReadOnlySpan<float> FlippedEmbedding(int row) => FlippedEmbeddings.AsSpan(row * EmbeddingSize, EmbeddingSize);

    /// <summary>The 4 ethnicity probabilities of a row, in <see cref="EthnicGroups.Order"/>.</summary>
    public void CopyEthnicity(int row, Span<float> destination)
    {
        for (var g = 0; g < Ethnicity.Length; g++) destination[g] = Ethnicity[g][row];
    }

    /// <summary>A row as a new <see cref="TeacherTarget"/> (allocates).</summary>
    public TeacherTarget ToTarget(int row)
    {
        var eth = new float[Ethnicity.Length];
        CopyEthnicity(row, eth);
        return new TeacherTarget(Keys[row], Datasets[row], Identities[row], Groups[row],
            Embedding(row).ToArray(), FlippedEmbedding(row).ToArray(), Norms[row], FlippedNorms[row], eth);
    }

    internal void Add(TeacherTarget t, string? sha256)
    {
        var i = Count;
        Keys[i] = t.Key;
        Datasets[i] = t.Dataset;
        Identities[i] = t.Identity;
        Groups[i] = t.Group;
        Sha256s[i] = sha256;
        t.Embedding.AsSpan().CopyTo(Embeddings.AsSpan(i * EmbeddingSize, EmbeddingSize));
        t.FlippedEmbedding.AsSpan().CopyTo(FlippedEmbeddings.AsSpan(i * EmbeddingSize, EmbeddingSize));
        Norms[i] = t.Norm;
        FlippedNorms[i] = t.FlippedNorm;
        for (var g = 0; g < Ethnicity.Length; g++) Ethnicity[g][i] = t.Ethnicity[g];
        Count = i + 1;
    }

    internal void Clear() => Count = 0;
}
