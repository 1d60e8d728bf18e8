using FairKd.Data.Cache;

namespace FairKd.Data.Manifest.Audit;

/// <summary>
/// Images of one side of an audit, read from embedding caches: key, identity, content hash and the L2-normalised teacher
/// embedding (the unflipped one), plus identity centroids. Rows are in key order (ordinal), identities in name order.
/// </summary>
public sealed class EmbeddingSet
{
    private EmbeddingSet(string name, IReadOnlyList<string> fingerprints, string teacher, int dim, string[] keys, string?[] sha, int[] identityOf,
        string[] identities, float[] vectors)
    {
        Name = name;
        Fingerprints = fingerprints;
        Teacher = teacher;
        Dim = dim;
        Keys = keys;
        Sha256 = sha;
        IdentityOf = identityOf;
        Identities = identities;
        Vectors = vectors;
        ImagesPerIdentity = new int[identities.Length];
        foreach (var i in identityOf) ImagesPerIdentity[i]++;
        Centroids = new float[identities.Length * dim];
        for (var r = 0; r < keys.Length; r++)
        {
            var c = Centroids.AsSpan(identityOf[r] * dim, dim);
            var v = Vector(r);
            for (var k = 0; k < dim; k++) c[k] += v[k];
        }

        for (var i = 0; i < identities.Length; i++) Normalise(Centroids.AsSpan(i * dim, dim));
    }

    /// <summary>Set name ("release", "training" or the evaluation set's name).</summary>
    public string Name { get; }

    /// <summary>Fingerprints of the caches read (sorted).</summary>
    public IReadOnlyList<string> Fingerprints { get; }

    /// <summary>Teacher and weights SHA-256 of the caches ("teacher weights-sha256"); all caches of an audit must agree.</summary>
    public string Teacher { get; }

    /// <summary>Embedding size.</summary>
    public int Dim { get; }

    /// <summary>Sample keys, ordinal order.</summary>
    public string[] Keys { get; }

    /// <summary>Content SHA-256 per row, null where the cache did not record it.</summary>
    public string?[] Sha256 { get; }

    /// <summary>Identity index of each row.</summary>
    public int[] IdentityOf { get; }

    /// <summary>Identity names, ordinal order.</summary>
    public string[] Identities { get; }

    /// <summary>Images per identity.</summary>
    public int[] ImagesPerIdentity { get; }

    /// <summary>Row-major [rows, Dim] embeddings.</summary>
    public float[] Vectors { get; }

    /// <summary>Row-major [identities, Dim] normalised means of each identity's embeddings.</summary>
    public float[] Centroids { get; }

    /// <summary>Embedding of row <paramref name="r"/>.</summary>
    public ReadOnlySpan<float> Vector(int r) => Vectors.AsSpan(r * Dim, Dim);

    /// <summary>Centroid of identity <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Centroid(int i) => Centroids.AsSpan(i * Dim, Dim);

    /// <summary>
    /// Reads every row of <paramref name="caches"/>, or only the rows whose key is in <paramref name="keys"/> (a release's
    /// samples; each must be found, else UsageException with the count and the first missing keys).
    /// </summary>
    public static async Task<EmbeddingSet> LoadAsync(string name, IReadOnlyList<string> caches, IReadOnlySet<string>? keys, CancellationToken ct)
    {
        if (caches.Count == 0) throw new Core.UsageException($"{name}: give at least one cache");
        var rows = new List<(string Key, string Identity, string? Sha, float[] V)>();
        var fingerprints = new List<string>();
        string? teacher = null;
        var dim = 0;
        foreach (var dir in caches)
        {
            using var reader = EmbeddingCacheReader.Open(dir);
            var t = $"{reader.Metadata.Teacher} {reader.Metadata.WeightsSha256}";
            if (teacher is not null && t != teacher)
                throw new Core.UsageException($"{dir}: made by teacher {t}, the other caches by {teacher}: an audit compares embeddings of one teacher");
            teacher = t;
            dim = reader.EmbeddingSize;
            fingerprints.Add(new EmbeddingCacheLabelSource().Fingerprint(dir));
            await foreach (var block in reader.StreamShardsAsync(ct))
                for (var r = 0; r < block.Count; r++)
                    if (keys is null || keys.Contains(block.Keys[r]))
                        rows.Add((block.Keys[r], block.Identities[r], block.Sha256s[r], block.Embedding(r).ToArray()));
        }

        rows.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        for (var i = 1; i < rows.Count; i++)
            if (rows[i].Key == rows[i - 1].Key) throw new Core.UsageException($"{name}: key {rows[i].Key} occurs in more than one cache");
        if (keys is not null && rows.Count != keys.Count)
        {
            var found = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            var missing = keys.Where(k => !found.Contains(k)).Order(StringComparer.Ordinal).ToList();
            throw new Core.UsageException($"{name}: {missing.Count} samples are not in the caches: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")} (give the caches the release was built from)");
        }

        if (rows.Count == 0) throw new Core.UsageException($"{name}: the caches hold no images");
        var identities = rows.Select(r => r.Identity).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = identities.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i, StringComparer.Ordinal);
        var vectors = new float[(long)rows.Count * dim];
        for (var r = 0; r < rows.Count; r++) rows[r].V.CopyTo(vectors.AsSpan(r * dim, dim));
        return new EmbeddingSet(name, [.. fingerprints.Order(StringComparer.Ordinal)], teacher!, dim, [.. rows.Select(r => r.Key)],
            [.. rows.Select(r => r.Sha)], [.. rows.Select(r => index[r.Identity])], identities, vectors);
    }

    /// <summary>A set from rows already in memory (tests): rows are sorted by key here.</summary>
    internal static EmbeddingSet FromRows(string name, string teacher, int dim, IEnumerable<(string Key, string Identity, string? Sha, float[] V)> rows)
    {
        var list = rows.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var identities = list.Select(r => r.Identity).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = identities.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i, StringComparer.Ordinal);
        return new EmbeddingSet(name, [], teacher, dim, [.. list.Select(r => r.Key)], [.. list.Select(r => r.Sha)],
            [.. list.Select(r => index[r.Identity])], identities, [.. list.SelectMany(r => r.V)]);
    }

    /// <summary>Dot product (cosine of unit vectors).</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var n = System.Numerics.Vector<float>.Count;
        var acc = System.Numerics.Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - n; i += n) acc += new System.Numerics.Vector<float>(a[i..]) * new System.Numerics.Vector<float>(b[i..]);
        var s = System.Numerics.Vector.Sum(acc);
        for (; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Normalise(Span<float> v)
    {
        var n = MathF.Sqrt(Dot(v, v));
        if (n > 0) for (var k = 0; k < v.Length; k++) v[k] /= n;
    }
}
