using DuckDB.NET.Data;
using FairKd.Core.Records;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>The cache shards open in a real second reader (DuckDB) with the obvious types.</summary>
public class CacheDuckDbTests
{
    private const int Dim = 512;
    private const int Rows = 300;

    [Fact]
    public async Task DuckDB_reads_the_fp32_cache_with_float_lists_and_metadata()
    {
        using var tmp = new TempDir("duck");
        var targets = await WriteAsync(tmp.Path, EmbeddingEncoding.Float32List);
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        var glob = Path.Combine(tmp.Path, "part-*.parquet");

        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT count(*), count(DISTINCT key), min(len(embedding)), max(len(flipped_embedding)), count(*) FILTER (WHERE \"group\" IS NULL), typeof(any_value(embedding)) FROM read_parquet('{glob}')";
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal(Rows, Convert.ToInt64(r.GetValue(0)));
            Assert.Equal(Rows, Convert.ToInt64(r.GetValue(1)));
            Assert.Equal(Dim, Convert.ToInt64(r.GetValue(2)));
            Assert.Equal(Dim, Convert.ToInt64(r.GetValue(3)));
            Assert.Equal(targets.Count(t => t.Group is null), Convert.ToInt64(r.GetValue(4)));
            Assert.Equal("FLOAT[]", r.GetString(5));
        }

        foreach (var i in new[] { 0, 137, Rows - 1 })
        {
            var t = targets[i];
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT embedding[1], embedding[{Dim}], flipped_embedding[7], norm, flipped_norm, p_african, p_indian, identity, sha256 FROM read_parquet('{glob}') WHERE key = '{t.Key}'";
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal(t.Embedding[0], r.GetFloat(0));
            Assert.Equal(t.Embedding[Dim - 1], r.GetFloat(1));
            Assert.Equal(t.FlippedEmbedding[6], r.GetFloat(2));
            Assert.Equal(t.Norm, r.GetFloat(3));
            Assert.Equal(t.FlippedNorm, r.GetFloat(4));
            Assert.Equal(t.Ethnicity[0], r.GetFloat(5));
            Assert.Equal(t.Ethnicity[3], r.GetFloat(6));
            Assert.Equal(t.Identity, r.GetString(7));
            Assert.Equal($"sha-{i}", r.GetString(8));
            Assert.False(r.Read());
        }

        using (var cmd = db.CreateCommand())
        {
            cmd.CommandText = $"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{Path.Combine(tmp.Path, "part-00001.parquet")}')";
            using var r = cmd.ExecuteReader();
            var meta = new Dictionary<string, string>();
            while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
            Assert.Equal("duck-teacher", meta["fairkd.teacher"]);
            Assert.Equal("African,Asian,Caucasian,Indian", meta["fairkd.class_order"]);
            Assert.Equal("1", meta["fairkd.schema_version"]);
        }
    }

    [Fact]
    public async Task DuckDB_sees_the_fp16_embedding_as_a_blob_of_two_bytes_per_value()
    {
        using var tmp = new TempDir("duck16");
        var targets = await WriteAsync(tmp.Path, EmbeddingEncoding.Float16Blob);
        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*), min(octet_length(embedding)), max(octet_length(flipped_embedding)), sum(norm) FROM read_parquet('{Path.Combine(tmp.Path, "part-*.parquet")}')";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(Rows, Convert.ToInt64(r.GetValue(0)));
        Assert.Equal(2 * Dim, Convert.ToInt64(r.GetValue(1)));
        Assert.Equal(2 * Dim, Convert.ToInt64(r.GetValue(2)));
        Assert.Equal(targets.Sum(t => (double)t.Norm), Convert.ToDouble(r.GetValue(3)), 2);
    }

    private static async Task<List<TeacherTarget>> WriteAsync(string dir, EmbeddingEncoding encoding)
    {
        var rng = new Random(42);
        var targets = new List<TeacherTarget>();
        for (var i = 0; i < Rows; i++)
        {
            var group = i % 5 == 0 ? null : EthnicGroups.Order[i % 4];
            float[] Vec()
            {
                var v = new float[Dim];
                for (var k = 0; k < Dim; k++) v[k] = (float)(rng.NextDouble() - 0.5);
                var n = MathF.Sqrt(v.Sum(x => x * x));
                return [.. v.Select(x => x / n)];
            }

            var p = (float)rng.NextDouble();
            targets.Add(new TeacherTarget($"demo/id{i / 4}/{i}.jpg", "demo", $"demo/id{i / 4}", group, Vec(), Vec(),
                10 + i, 11 + i, [p / 2, p / 2, (1 - p) / 2, (1 - p) / 2]));
        }

        var options = new EmbeddingCacheOptions
        {
            Metadata = new CacheMetadata("duck-teacher", "feed", "arcface-112", Dim, "test"),
            Fingerprint = "duck",
            RowsPerShard = 128,
            RowGroupRows = 50,
            Encoding = encoding,
        };
        await using var w = await EmbeddingCacheWriter.OpenAsync(dir, options, [.. targets.Select(t => t.Key)]);
        for (var i = 0; i < Rows; i++) await w.AddAsync(targets[i], $"sha-{i}");
        var index = await w.CompleteAsync();
        Assert.Equal(3, index.Shards.Count);
        return targets;
    }
}
