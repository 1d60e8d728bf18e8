using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Data.Cache;

namespace FairKd.Data.Tests.Cache;

/// <summary>Deterministic synthetic targets and a helper that runs a writer over a key list.</summary>
internal static class CacheTestData
{
    public const int Dim = 8;

    public static CacheMetadata Metadata(string teacher = "iresnet-tiny", string preprocessing = "arcface-112") =>
        new(teacher, "ab12cd", preprocessing, Dim, "0.1.0-test");

    public static EmbeddingCacheOptions Options(int rowsPerShard = 8, int rowGroupRows = 3, EmbeddingEncoding encoding = EmbeddingEncoding.Float32List,
        string teacher = "iresnet-tiny", string preprocessing = "arcface-112", string fingerprint = "fp-1") => new()
        {
            Metadata = Metadata(teacher, preprocessing),
            Fingerprint = fingerprint,
            RowsPerShard = rowsPerShard,
            RowGroupRows = rowGroupRows,
            Encoding = encoding,
        };

    public static string[] Keys(int n) =>
        [.. Enumerable.Range(0, n).Select(i => $"bupt/{EthnicGroups.Order[i % 4]}/id{i / 3:D3}/img{i:D4}.jpg")];

    /// <summary>Positions with p % 7 == 3 are rejected upstream; positions with p % 11 == 5 carry a NaN embedding value.</summary>
    public static bool IsUpstreamReject(int position) => position % 7 == 3;

    public static bool HasNaN(int position) => position % 11 == 5;

    public static TeacherTarget Target(string key, int position, int dim = Dim)
    {
        var rng = new Random(position * 7919 + 17);
        var raw = new float[dim];
        var rawFlip = new float[dim];
        for (var i = 0; i < dim; i++)
        {
            raw[i] = (float)(rng.NextDouble() * 2 - 1);
            rawFlip[i] = (float)(rng.NextDouble() * 2 - 1);
        }

        var emb = new float[dim];
        var flip = new float[dim];
        var norm = Chw.L2Normalise(raw, emb);
        var fnorm = Chw.L2Normalise(rawFlip, flip);
        var eth = new float[4];
        var sum = 0f;
        for (var g = 0; g < 4; g++) sum += eth[g] = (float)rng.NextDouble() + 0.01f;
        for (var g = 0; g < 4; g++) eth[g] /= sum;
        var parts = key.Split('/');
        if (HasNaN(position)) emb[position % dim] = float.NaN;
        return new TeacherTarget(key, parts[0], parts[0] + "/" + parts[1] + "/" + parts[2], parts[1], emb, flip, norm * 10, fnorm * 10, eth);
    }

    public static string Sha(int position) => $"{position:x64}";

    /// <summary>Feeds positions [writer.NextPosition, stop) in order.</summary>
    public static async Task FeedAsync(EmbeddingCacheWriter writer, IReadOnlyList<string> keys, int? stop = null)
    {
        var end = stop ?? writer.PartitionEnd;
        for (var p = writer.NextPosition; p < end; p++)
        {
            if (IsUpstreamReject(p)) await writer.AddRejectAsync(new Reject(keys[p], "ingest", $"undecodable, \"bad\" header at {p}"));
            else await writer.AddAsync(Target(keys[p], p), Sha(p));
        }
    }

    /// <summary>One uninterrupted run over all keys.</summary>
    public static async Task<CacheIndex> WriteAllAsync(string dir, EmbeddingCacheOptions options, IReadOnlyList<string> keys)
    {
        await using var w = await EmbeddingCacheWriter.OpenAsync(dir, options, keys);
        await FeedAsync(w, keys);
        return await w.CompleteAsync();
    }

    /// <summary>Every file of a cache folder as name -&gt; bytes.</summary>
    public static SortedDictionary<string, byte[]> Files(string dir) =>
        new(Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes), StringComparer.Ordinal);

    public static void AssertSameFiles(string expectedDir, string actualDir)
    {
        var a = Files(expectedDir);
        var b = Files(actualDir);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs");
    }

    /// <summary>All rows of a cache in order, as targets.</summary>
    public static async Task<List<TeacherTarget>> ReadAllAsync(string dir)
    {
        using var r = EmbeddingCacheReader.Open(dir);
        var list = new List<TeacherTarget>();
        await foreach (var rows in r.StreamShardsAsync())
            for (var i = 0; i < rows.Count; i++) list.Add(rows.ToTarget(i));
        return list;
    }
}
