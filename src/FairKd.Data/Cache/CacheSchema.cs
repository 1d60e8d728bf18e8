using System.Globalization;
using FairKd.Core.Records;
using Parquet;
using Parquet.Schema;

namespace FairKd.Data.Cache;

/// <summary>
/// Column layout of a cache shard (schema version <see cref="CacheIndex.CurrentSchemaVersion"/>), in file order:
/// key, dataset, identity (required strings); group, sha256 (nullable strings); embedding, flipped_embedding
/// (LIST&lt;float&gt; or fp16 BYTE_ARRAY, see <see cref="EmbeddingEncoding"/>); norm, flipped_norm (float);
/// p_african, p_asian, p_caucasian, p_indian (float, <see cref="EthnicGroups.Order"/>).
/// Ethnicity is 4 plain columns rather than a list: no levels to write, named in every reader, and the label
/// reader reads 4 cheap columns.
/// </summary>
internal sealed class CacheSchema
{
    public const string MetaPrefix = "fairkd.";

    public CacheSchema(EmbeddingEncoding encoding)
    {
        Encoding = encoding;
        Key = new DataField("key", typeof(string), isNullable: false);
        Dataset = new DataField("dataset", typeof(string), isNullable: false);
        Identity = new DataField("identity", typeof(string), isNullable: false);
        Group = new DataField("group", typeof(string), isNullable: true);
        Sha256 = new DataField("sha256", typeof(string), isNullable: true);
        Field embedding, flipped;
        if (encoding == EmbeddingEncoding.Float32List)
        {
            embedding = new ListField("embedding", new DataField("element", typeof(float), isNullable: false));
            flipped = new ListField("flipped_embedding", new DataField("element", typeof(float), isNullable: false));
        }
        else
        {
            embedding = new DataField("embedding", typeof(byte[]), isNullable: false);
            flipped = new DataField("flipped_embedding", typeof(byte[]), isNullable: false);
        }

        Norm = new DataField("norm", typeof(float), isNullable: false);
        FlippedNorm = new DataField("flipped_norm", typeof(float), isNullable: false);
        Ethnicity = [.. EthnicGroups.Order.Select(g => new DataField("p_" + g.ToLowerInvariant(), typeof(float), isNullable: false))];
        Schema = new ParquetSchema([Key, Dataset, Identity, Group, Sha256, embedding, flipped, Norm, FlippedNorm, .. Ethnicity]);
        EmbeddingLeaf = embedding is ListField le ? (DataField)le.Item : (DataField)embedding;
        FlippedLeaf = flipped is ListField lf ? (DataField)lf.Item : (DataField)flipped;
    }

    public EmbeddingEncoding Encoding { get; }

    public ParquetSchema Schema { get; }

    public DataField Key { get; }

    public DataField Dataset { get; }

    public DataField Identity { get; }

    public DataField Group { get; }

    public DataField Sha256 { get; }

    /// <summary>The leaf data field of the embedding column (the list element for fp32).</summary>
    public DataField EmbeddingLeaf { get; }

    public DataField FlippedLeaf { get; }

    public DataField Norm { get; }

    public DataField FlippedNorm { get; }

    public DataField[] Ethnicity { get; }

    /// <summary>Parquet key-value metadata of every shard.</summary>
    public static Dictionary<string, string> FileMetadata(CacheMetadata m, EmbeddingEncoding encoding)
    {
        var d = BaseMetadata(m, encoding);
        // the record's settings with landmark files by content (no paths: partitions embedded on other machines agree)
        if (m.Imaging is not null) d[MetaPrefix + "imaging"] = m.Imaging.CanonicalLine();
        return d;
    }

    private static Dictionary<string, string> BaseMetadata(CacheMetadata m, EmbeddingEncoding encoding) => new()
    {
        [MetaPrefix + "schema_version"] = CacheIndex.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture),
        [MetaPrefix + "teacher"] = m.Teacher,
        [MetaPrefix + "weights_sha256"] = m.WeightsSha256,
        [MetaPrefix + "preprocessing"] = m.Preprocessing,
        [MetaPrefix + "embedding_size"] = m.EmbeddingSize.ToString(CultureInfo.InvariantCulture),
        [MetaPrefix + "embedding_encoding"] = encoding == EmbeddingEncoding.Float32List ? "float32_list" : "float16_blob",
        [MetaPrefix + "class_order"] = string.Join(',', EthnicGroups.Order),
        [MetaPrefix + "version"] = m.FairKdVersion,
    };

    /// <summary>
    /// Parquet options of every shard: no compression (measured: Snappy saved 2% on embeddings but cut reading from
    /// ~170k to ~30k rows/s); the level is set anyway because the library default (SmallestSize) is very slow.
    /// </summary>
    public static ParquetOptions Options() => new()
    {
        CompressionMethod = CompressionMethod.None,
        CompressionLevel = System.IO.Compression.CompressionLevel.Fastest,
    };

    /// <summary>Finds this layout's leaf fields in a file schema, or explains what differs.</summary>
    public DataField[] Resolve(ParquetSchema fileSchema, string path)
    {
        var fileFields = fileSchema.GetDataFields().ToDictionary(f => f.Path.ToString()!, StringComparer.Ordinal);
        var wanted = new List<DataField> { Key, Dataset, Identity, Group, Sha256, EmbeddingLeaf, FlippedLeaf, Norm, FlippedNorm };
        wanted.AddRange(Ethnicity);
        var resolved = new DataField[wanted.Count];
        for (var i = 0; i < wanted.Count; i++)
        {
            var name = wanted[i].Path.ToString()!;
            if (!fileFields.TryGetValue(name, out var f) || f.ClrType != wanted[i].ClrType)
                throw new InvalidDataException($"{path}: column '{name}' ({wanted[i].ClrType.Name}) is missing or has another type");
            resolved[i] = f;
        }

        return resolved;
    }
}
