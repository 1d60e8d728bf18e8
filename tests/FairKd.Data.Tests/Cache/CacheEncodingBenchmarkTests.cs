using System.Diagnostics;
using System.Globalization;
using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;
using Xunit.Abstractions;

namespace FairKd.Data.Tests.Cache;

/// <summary>
/// fp32 list vs fp16 blob at 512 dimensions: size, write and read speed, and the fp16 cosine floor.
/// Small by default; <c>FAIRKD_CACHE_BENCH_ROWS=20000</c> reproduces the README numbers.
/// </summary>
public class CacheEncodingBenchmarkTests(ITestOutputHelper output)
{
    private const int Dim = 512;

    [Fact]
    public async Task Fp16_halves_the_size_and_keeps_cosine_above_0_9999()
    {
        var rows = int.TryParse(Environment.GetEnvironmentVariable("FAIRKD_CACHE_BENCH_ROWS"), CultureInfo.InvariantCulture, out var n) ? n : 1500;
        var keys = Enumerable.Range(0, rows).Select(i => $"bench/id{i / 10:D5}/{i:D6}.jpg").ToArray();
        var targets = keys.Select((k, i) => Target(k, i)).ToArray();
        var bytesPerRow = new Dictionary<EmbeddingEncoding, double>();
        // Each encoding twice: the first round warms the JIT up (tiered compilation), the second is reported.
        foreach (var encoding in new[] { EmbeddingEncoding.Float32List, EmbeddingEncoding.Float16Blob, EmbeddingEncoding.Float32List, EmbeddingEncoding.Float16Blob })
        {
            using var tmp = new TempDir("bench");
            var options = new EmbeddingCacheOptions
            {
                Metadata = new CacheMetadata("bench", "00", "none", Dim, "bench"),
                Fingerprint = "bench",
                Encoding = encoding,
            };
            var sw = Stopwatch.StartNew();
            await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, options, keys))
            {
                foreach (var t in targets) await w.AddAsync(t);
                await w.CompleteAsync();
            }

            var writeS = sw.Elapsed.TotalSeconds;
            var size = Directory.GetFiles(tmp.Path, "part-*.parquet").Sum(f => new FileInfo(f).Length);
            using var r = EmbeddingCacheReader.Open(tmp.Path);
            sw.Restart();
            var streamed = 0L;
            await foreach (var block in r.StreamShardsAsync()) streamed += block.Count;
            var readS = sw.Elapsed.TotalSeconds;
            Assert.Equal(rows, streamed);
            var minCos = 1.0;
            var read = 0;
            await foreach (var block in r.StreamShardsAsync())
            {
                for (var i = 0; i < block.Count; i++, read++)
                {
                    minCos = Math.Min(minCos, Vectors.Cosine(targets[read].Embedding, block.Embedding(i)));
                    minCos = Math.Min(minCos, Vectors.Cosine(targets[read].FlippedEmbedding, block.FlippedEmbedding(i)));
                }
            }

            Assert.Equal(rows, read);
            bytesPerRow[encoding] = (double)size / rows;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{encoding}: {rows} rows x {Dim}: write {rows / writeS:F0} rows/s, read {rows / readS:F0} rows/s, {bytesPerRow[encoding]:F0} bytes/row, min cosine 1 - {1 - minCos:E2}"));
            if (encoding == EmbeddingEncoding.Float32List) Assert.Equal(1.0, minCos, 6);
            else Assert.True(minCos >= 0.9999, $"fp16 min cosine {minCos}");
        }

        Assert.True(bytesPerRow[EmbeddingEncoding.Float16Blob] < 0.6 * bytesPerRow[EmbeddingEncoding.Float32List]);
    }

    private static TeacherTarget Target(string key, int seed)
    {
        var rng = new Random(seed);
        float[] Unit()
        {
            var v = new float[Dim];
            for (var i = 0; i < Dim; i++) v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            Chw.L2Normalise(v, v);
            return v;
        }

        return new TeacherTarget(key, "bench", "bench/" + key, null, Unit(), Unit(), 20f, 21f, [0.25f, 0.25f, 0.25f, 0.25f]);
    }
}
