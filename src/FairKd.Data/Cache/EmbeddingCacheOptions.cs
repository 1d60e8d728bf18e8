namespace FairKd.Data.Cache;

/// <summary>Options of <see cref="EmbeddingCacheWriter"/> (the embed stage's output). Defaults are documented per property.</summary>
public sealed record EmbeddingCacheOptions
{
    /// <summary>Teacher, weights hash, preprocessing, embedding size, FairKd version. Required.</summary>
    public required CacheMetadata Metadata { get; init; }

    /// <summary>
    /// The caller's fingerprint of its inputs and options (e.g. a hash of dataset roots and ingest options).
    /// A resumed run with a different fingerprint is refused unless <see cref="Force"/>. Required.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>Accepted rows per shard file (the last shard may be smaller). Default 65,536.</summary>
    public int RowsPerShard { get; init; } = 65_536;

    /// <summary>Rows per Parquet row group inside a shard (the reader's cache unit). Default 8,192.</summary>
    public int RowGroupRows { get; init; } = 8_192;

    /// <summary>Embedding column representation. Default <see cref="EmbeddingEncoding.Float32List"/> (readable by DuckDB).</summary>
    public EmbeddingEncoding Encoding { get; init; } = EmbeddingEncoding.Float32List;

    /// <summary>Which partition of the ordered samples this writer owns. Default <see cref="ShardPartition.Single"/>.</summary>
    public ShardPartition Partition { get; init; } = ShardPartition.Single;

    /// <summary>Replace an existing cache whose metadata, fingerprint or layout differ, instead of refusing. Default false.</summary>
    public bool Force { get; init; }

    internal void Validate()
    {
        Metadata.Validate();
        if (string.IsNullOrWhiteSpace(Fingerprint)) throw new Core.UsageException("cache fingerprint is empty");
        if (RowsPerShard < 1) throw new Core.UsageException($"rows per shard must be at least 1 (got {RowsPerShard})");
        if (RowGroupRows < 1) throw new Core.UsageException($"rows per row group must be at least 1 (got {RowGroupRows})");
        if (!Enum.IsDefined(Encoding)) throw new Core.UsageException($"unknown embedding encoding {Encoding}");
    }
}
