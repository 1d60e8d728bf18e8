using System.Globalization;
using System.Text;
using FairKd.Core.Records;
using FairKd.Core.Sampling;
using FairKd.Data.Cache;

namespace FairKd.Benchmarks;

/// <summary>Generated inputs of the scale benchmark: BUPT-like and WebFace42M-like sample keys, a synthetic cache written
/// through the real <see cref="EmbeddingCacheWriter"/> (random unit embeddings, no teacher), and a labels.csv.</summary>
internal static class ScaleData
{
    public const int Width = 512;

    /// <summary>BUPT-like key i: 4 group folders, 45 images per identity.</summary>
    public static string BuptKey(long i)
    {
        var id = i / 45;
        return string.Create(CultureInfo.InvariantCulture, $"bupt/{EthnicGroups.Order[(int)(id % 4)]}/m.0{id:x5}/{i % 45:D4}.jpg");
    }

    /// <summary>WebFace42M-like key i of <paramref name="identities"/> identities over <paramref name="images"/> images (row order = key order).</summary>
    public static string WebFaceKey(long i, long images, long identities)
    {
        var per = images / identities;
        var id = Math.Min(i / per, identities - 1);
        return string.Create(CultureInfo.InvariantCulture, $"webface/{id:D7}/{i - (id * per):D3}.jpg");
    }

    public static IEnumerable<string> WebFaceKeys(long images, long identities)
    {
        for (long i = 0; i < images; i++) yield return WebFaceKey(i, images, identities);
    }

    /// <summary>Writes an fp16 cache of <paramref name="keys"/> with random unit embeddings (seeded) through the real writer.</summary>
    public static async Task<CacheIndex> WriteCacheAsync(string dir, IReadOnlyList<string> keys, int seed)
    {
        var options = new EmbeddingCacheOptions
        {
            Metadata = new CacheMetadata("synthetic-random-unit", new string('0', 64), "arcface-112 (x-127.5)/127.5 rgb, unaligned=reject", Width, "bench"),
            Fingerprint = $"scale-benchmark seed {seed}",
            Encoding = EmbeddingEncoding.Float16Blob,
            RowsPerShard = 16_384, // `fairkd embed --shard-rows` default
            RowGroupRows = 8_192,
            Force = true,
        };
        var rng = new Random(seed);
        var eth = new float[] { 0.25f, 0.25f, 0.25f, 0.25f };
        await using var writer = await EmbeddingCacheWriter.OpenAsync(dir, options, keys);
        for (var i = 0; i < keys.Count; i++)
        {
            var parts = keys[i].Split('/');
            await writer.AddAsync(new TeacherTarget(keys[i], parts[0], $"{parts[0]}/{parts[1]}/{parts[2]}", parts[1],
                Unit(rng), Unit(rng), 20f, 20f, eth));
        }

        return await writer.CompleteAsync();
    }

    private static float[] Unit(Random rng)
    {
        var v = new float[Width];
        double sum = 0;
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (rng.NextSingle() * 2) - 1;
            sum += v[i] * v[i];
        }

        var inv = (float)(1 / Math.Sqrt(sum));
        for (var i = 0; i < v.Length; i++) v[i] *= inv;
        return v;
    }

    /// <summary>
    /// Writes labels.csv (the documented import format) for <paramref name="images"/> images of <paramref name="identities"/>
    /// identities in 4 group folders, soft labels with two decimals (main group 0.7-1.0), and returns the identities as the
    /// sampler sees them (labels summed from the same parsed floats the builder reads).
    /// </summary>
    public static List<SamplingIdentity> WriteLabelsCsv(string path, long images, int identities, int seed)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        return WriteLabelsCsv(w, images, identities, seed);
    }

    /// <summary>As <see cref="WriteLabelsCsv(string, long, int, int)"/> into <paramref name="w"/> (<see cref="TextWriter.Null"/>: the identities alone, for a file written before).</summary>
    public static List<SamplingIdentity> WriteLabelsCsv(TextWriter w, long images, int identities, int seed)
    {
        var rng = new Random(seed);
        var ids = new List<SamplingIdentity>(identities);
        w.Write("key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256\n");
        var per = images / identities;
        var p = new float[4];
        var text = new string[4];
        for (var id = 0; id < identities; id++)
        {
            var group = id % 4;
            var count = id == identities - 1 ? images - (per * (identities - 1)) : per;
            var sum = default(LabelSum);
            var identity = string.Create(CultureInfo.InvariantCulture, $"webface/{id:D7}");
            for (var k = 0; k < count; k++)
            {
                var rest = 100;
                for (var c = 0; c < 4; c++)
                {
                    if (c == group) continue;
                    var hundredths = rng.Next(11);
                    rest -= hundredths;
                    text[c] = Hundredths(hundredths);
                }

                text[group] = Hundredths(rest);
                for (var c = 0; c < 4; c++) p[c] = float.Parse(text[c], CultureInfo.InvariantCulture);
                sum += LabelSum.FromProbabilities(p);
                var rel = string.Create(CultureInfo.InvariantCulture, $"{id:D7}/{k:D3}.jpg");
                w.Write($"webface/{rel},webface,{identity},{EthnicGroups.Order[group]},{rel},{text[0]},{text[1]},{text[2]},{text[3]},\n");
            }

            ids.Add(new SamplingIdentity(identity, "webface", false, group, (int)count, sum));
        }

        return ids;
    }

    private static string Hundredths(int h) => h == 100 ? "1" : string.Create(CultureInfo.InvariantCulture, $"0.{h:D2}");
}
