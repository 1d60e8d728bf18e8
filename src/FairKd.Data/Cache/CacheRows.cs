using FairKd.Core.Records;

namespace FairKd.Data.Cache;

/// <summary>
/// Columns of up to <see cref="Capacity"/> cache rows in reusable arrays: what one Parquet row group holds.
/// The writer fills it; the reader loads into it (embeddings always as fp32 here, whatever the encoding on disk).
/// </summary>
public sealed class CacheRows
{
    /// <summary>Allocates columns for <paramref name="capacity"/> rows of <paramref name="embeddingSize"/>-float embeddings (both at least 1).</summary>
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

    /// <summary>Maximum rows the block holds (one row group).</summary>
    public int Capacity { get; }

    /// <summary>Floats per embedding (512 for the study's teachers).</summary>
    public int EmbeddingSize { get; }

    /// <summary>Rows currently held.</summary>
    public int Count { get; internal set; }

    /// <summary>Shard index (in the cache's shard list) these rows come from (reader side).</summary>
    public int ShardIndex { get; internal set; }

    /// <summary>Row number, within its shard, of row 0 of this block (reader side).</summary>
    public int FirstRow { get; internal set; }

    /// <summary>Sample key per row (<c>dataset/relative/path</c>, unique).</summary>
    public string[] Keys { get; }

    /// <summary>Dataset name per row (the key's first segment).</summary>
    public string[] Datasets { get; }

    /// <summary>Dataset-qualified identity per row.</summary>
    public string[] Identities { get; }

    /// <summary>Folder group per row (BUPT's ethnicity folder), null when the dataset has none.</summary>
    public string?[] Groups { get; }

    /// <summary>SHA-256 (hex) of the sample file per row, null when the writer was not given it.</summary>
    public string?[] Sha256s { get; }

    /// <summary>Row-major [Count, EmbeddingSize] L2-normalised embeddings.</summary>
    public float[] Embeddings { get; }

    /// <summary>Row-major [Count, EmbeddingSize] L2-normalised embeddings of the horizontally mirrored faces.</summary>
    public float[] FlippedEmbeddings { get; }

    /// <summary>L2 norm of each raw embedding before normalisation.</summary>
    public float[] Norms { get; }

    /// <summary>L2 norm of each raw mirrored embedding before normalisation.</summary>
    public float[] FlippedNorms { get; }

    /// <summary>One array per ethnic group, in <see cref="EthnicGroups.Order"/>.</summary>
    public float[][] Ethnicity { get; }

    /// <summary>True when <see cref="Count"/> has reached <see cref="Capacity"/> (the writer flushes the row group).</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>The normalised embedding of <paramref name="row"/> (EmbeddingSize floats, a view into <see cref="Embeddings"/>).</summary>
    public ReadOnlySpan<float> Embedding(int row) => Embeddings.AsSpan(row * EmbeddingSize, EmbeddingSize);

    /// <summary>The normalised mirrored embedding of <paramref name="row"/> (a view into <see cref="FlippedEmbeddings"/>).</summary>
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
