using System.Runtime.InteropServices;
using System.Text.Json;
using FairKd.Core;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;

namespace FairKd.Torch.Tests;

/// <summary>
/// <see cref="OnnxFaceEmbedder"/> with concurrent runs, on the tests/golden/onnx models (one small 112x112 network exported
/// with a batch fixed at 1, fixed at 3, and dynamic): PyTorch's outputs, and the same bits whatever the runs and threads.
/// </summary>
public class OnnxConcurrencyTests
{
    private const int Size = 112;
    private const int Per = 3 * Size * Size;

    private static readonly Lazy<(float[] Input, float[] Expected, int Dim)> Golden = new(() =>
    {
        var json = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("onnx/cases.json"))).RootElement;
        var pixels = File.ReadAllBytes(RepoPaths.Golden("onnx/" + json.GetProperty("input").GetString()));
        var expected = json.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        return (pixels.Select(p => (p - 127.5f) / 127.5f).ToArray(), expected, json.GetProperty("embedding_size").GetInt32());
    });

    private static string Model(string file) => RepoPaths.Golden("onnx/" + file);

    /// <summary>The 4 golden images, then seeded random ones (23 in all: not a multiple of 2 or 3).</summary>
    private static float[] Images(int count)
    {
        var x = new float[count * Per];
        Golden.Value.Input.AsSpan(0, Math.Min(count, 4) * Per).CopyTo(x);
        var rng = new Random(23);
        for (var i = 4 * Per; i < x.Length; i++) x[i] = (rng.Next(256) - 127.5f) / 127.5f;
        return x;
    }

    private static float[] Embed(OnnxFaceEmbedder e, float[] x, int count)
    {
        var y = new float[count * e.EmbeddingSize];
        e.Embed(x, count, y);
        return y;
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var a = MemoryMarshal.Cast<float, int>(expected);
        var b = MemoryMarshal.Cast<float, int>(actual);
        for (var i = 0; i < a.Length; i++)
            Assert.True(a[i] == b[i], $"{what}: value {i} differs ({expected[i]:R} vs {actual[i]:R})");
    }

    [Theory]
    [InlineData("face_fixed1.onnx", 1)]
    [InlineData("face_fixed3.onnx", 3)]
    [InlineData("face_dynamic.onnx", null)]
    public void Every_export_reproduces_pytorch(string file, int? fixedBatch)
    {
        using var e = new OnnxFaceEmbedder(Model(file), run: new OnnxRunOptions(Runs: fixedBatch is null ? null : 2));
        Assert.Equal(fixedBatch, e.FixedBatch);
        Assert.Equal(Golden.Value.Dim, e.EmbeddingSize);
        Assert.Equal(Size, e.InputSize);
        var y = Embed(e, Golden.Value.Input, 4);
        Assert.True(GoldenCases.RelativeMaxDiff(y, Golden.Value.Expected) <= 1e-4, $"{file}: {GoldenCases.RelativeMaxDiff(y, Golden.Value.Expected)}");
    }

    [Theory]
    [InlineData("face_fixed1.onnx")]
    [InlineData("face_fixed3.onnx")]
    public void A_fixed_batch_model_gives_the_same_bits_for_any_number_of_runs_and_threads(string file)
    {
        var x = Images(23);
        using var one = new OnnxFaceEmbedder(Model(file), run: new OnnxRunOptions(Runs: 1, IntraOpThreads: 1));
        Assert.Equal(1, one.ConcurrentRuns);
        var reference = Embed(one, x, 23);
        Assert.True(GoldenCases.RelativeMaxDiff(reference[..(4 * one.EmbeddingSize)], Golden.Value.Expected) <= 1e-4);
        foreach (var run in new[]
                 {
                     new OnnxRunOptions(Runs: 2), new OnnxRunOptions(Runs: 3), new OnnxRunOptions(Runs: 8),
                     new OnnxRunOptions(Runs: 1), new OnnxRunOptions(Runs: 2, IntraOpThreads: 2), new OnnxRunOptions(Runs: 3, InterOpThreads: 2),
                 })
        {
            using var e = new OnnxFaceEmbedder(Model(file), run: run);
            Assert.Equal(run.Runs, e.ConcurrentRuns);
            AssertSameBits(reference, Embed(e, x, 23), $"{file} {run}");
            // Partial calls: each call's chunks land at their own rows.
            var parts = new float[23 * e.EmbeddingSize];
            var start = 0;
            foreach (var n in new[] { 1, 2, 5, 15 })
            {
                e.Embed(x.AsSpan(start * Per, n * Per), n, parts.AsSpan(start * e.EmbeddingSize, n * e.EmbeddingSize));
                start += n;
            }

            if (file == "face_fixed1.onnx") AssertSameBits(reference, parts, $"{file} {run}, calls of 1, 2, 5 and 15 images");
            else Assert.True(GoldenCases.RelativeMaxDiff(parts, reference) <= 1e-5, $"{file} {run}, calls of 1, 2, 5 and 15 images");
        }
    }

    [Fact]
    public void Calls_from_several_threads_at_once_each_get_their_own_rows()
    {
        var x = Images(23);
        using var e = new OnnxFaceEmbedder(Model("face_fixed1.onnx"), run: new OnnxRunOptions(Runs: 2));
        var reference = Embed(e, x, 23);
        var results = new float[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            // thread t embeds the images in another order: rotated by 5 t
            var rotated = x.AsSpan(5 * t * Per).ToArray().Concat(x.AsSpan(0, 5 * t * Per).ToArray()).ToArray();
            var y = Embed(e, rotated, 23);
            results[t] = y.AsSpan((23 - (5 * t)) * e.EmbeddingSize).ToArray().Concat(y.AsSpan(0, (23 - (5 * t)) * e.EmbeddingSize).ToArray()).ToArray();
        });
        for (var t = 0; t < 4; t++) AssertSameBits(reference, results[t], $"thread {t}");
    }

    [Fact]
    public void A_dynamic_model_runs_each_call_as_one_batch_with_the_same_bits_for_any_threads()
    {
        var x = Images(23);
        using var e = new OnnxFaceEmbedder(Model("face_dynamic.onnx"));
        Assert.Null(e.FixedBatch);
        Assert.Equal(1, e.ConcurrentRuns);
        Assert.Null(e.IntraOpThreads);
        Assert.Equal("dynamic batch, 1 concurrent run, ONNX Runtime's default intra-op threads each, sequential graph", e.ExecutionSummary);
        var reference = Embed(e, x, 23);
        foreach (var run in new[] { new OnnxRunOptions(Runs: 1, IntraOpThreads: 1), new OnnxRunOptions(IntraOpThreads: 2), new OnnxRunOptions(InterOpThreads: 2) })
        {
            using var other = new OnnxFaceEmbedder(Model("face_dynamic.onnx"), run: run);
            AssertSameBits(reference, Embed(other, x, 23), $"dynamic {run}");
        }

        using var fixedOne = new OnnxFaceEmbedder(Model("face_fixed1.onnx"));
        Assert.True(GoldenCases.RelativeMaxDiff(Embed(fixedOne, x, 23), reference) <= 1e-5);
        var ex = Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(Model("face_dynamic.onnx"), run: new OnnxRunOptions(Runs: 2)));
        Assert.Contains("dynamic", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--onnx-runs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_resolve_from_the_batch_dimension_and_bad_values_are_refused()
    {
        using (var auto = new OnnxFaceEmbedder(Model("face_fixed1.onnx")))
        {
            Assert.Equal(Environment.ProcessorCount, auto.ConcurrentRuns);
            Assert.Equal(Environment.ProcessorCount > 1 ? 1 : null, auto.IntraOpThreads);
        }

        using (var one = new OnnxFaceEmbedder(Model("face_fixed1.onnx"), run: new OnnxRunOptions(Runs: 1)))
        {
            Assert.Null(one.IntraOpThreads);
            Assert.Equal("fixed batch 1, 1 concurrent run, ONNX Runtime's default intra-op threads each, sequential graph", one.ExecutionSummary);
        }

        using (var set = new OnnxFaceEmbedder(Model("face_fixed3.onnx"), run: new OnnxRunOptions(Runs: 3, IntraOpThreads: 2, InterOpThreads: 2)))
        {
            Assert.Equal((3, 2, 2), (set.ConcurrentRuns, set.IntraOpThreads!.Value, set.InterOpThreads));
            Assert.Equal("fixed batch 3, 3 concurrent runs, 2 intra-op threads each, parallel graph on 2 inter-op threads", set.ExecutionSummary);
        }

        foreach (var bad in new[] { new OnnxRunOptions(Runs: 0), new OnnxRunOptions(IntraOpThreads: 0), new OnnxRunOptions(InterOpThreads: 0) })
            Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(Model("face_fixed1.onnx"), run: bad));
    }

    [Fact]
    public void Chunk_workers_run_every_chunk_once_on_several_threads_and_rethrow_the_first_failure()
    {
        using var workers = new ChunkWorkers(3, "test");
        var counts = new int[60];
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        workers.Run(60, i =>
        {
            Interlocked.Increment(ref counts[i]);
            threads[Environment.CurrentManagedThreadId] = true;
            Thread.Sleep(2);
        });
        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.True(threads.Count >= 2, $"chunks ran on {threads.Count} thread(s)");

        var ex = Assert.Throws<InvalidOperationException>(() => workers.Run(10, i =>
        {
            if (i == 4) throw new InvalidOperationException("chunk 4 failed");
        }));
        Assert.Equal("chunk 4 failed", ex.Message);

        // still usable after a failure; fewer chunks than threads and zero chunks are fine
        var after = new int[2];
        workers.Run(2, i => after[i]++);
        workers.Run(0, _ => throw new InvalidOperationException("never called"));
        Assert.Equal([1, 1], after);
    }
}
