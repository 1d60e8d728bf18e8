using System.Diagnostics;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;

namespace FairKd.Stages.Eval;

/// <summary>Per image, the InsightFace test-time embedding f(x) + f(flip x) from raw outputs (normalised when scored).</summary>
internal sealed record FusedEmbeddings(int Dim, float[] Values, string?[] Problems, double ImagesPerSecond)
{
    public bool Ok(int i) => Problems[i] is null;

    public ReadOnlySpan<float> Row(int i) => Values.AsSpan(i * Dim, Dim);

    /// <summary>The protocol's squared L2 distance of every pair (image indexes), in order.</summary>
    public double[] PairDistances(IReadOnlyList<(int A, int B)> pairs)
    {
        var rows = new float[pairs.Count * 2 * Dim];
        for (var k = 0; k < pairs.Count; k++)
        {
            Row(pairs[k].A).CopyTo(rows.AsSpan(2 * k * Dim, Dim));
            Row(pairs[k].B).CopyTo(rows.AsSpan(((2 * k) + 1) * Dim, Dim));
        }

        return Core.Eval.VerificationScorer.PairDistances(rows, Dim);
    }
}

/// <summary>Computes <see cref="FusedEmbeddings"/> with a model (decode + align on a channel pipeline, batches, image and
/// mirror) or from an embedding cache (raw = normalised x norm for the image and its mirror).</summary>
internal static class EvalEmbeddings
{
    public static async Task<FusedEmbeddings> WithModelAsync(IReadOnlyList<EvalImage> images, IFaceEmbedder model, ImagingOptions imaging,
        int batchSize, int workers, Action<long> advance, ProvenanceRecorder provenance, CancellationToken ct)
    {
        var dim = model.EmbeddingSize;
        var values = new float[images.Count * dim];
        var problems = new string?[images.Count];
        using var loader = new FaceLoader(imaging); // the decode + align + mirror of ingest, embed and train
        var clock = Stopwatch.StartNew();
        long embedded = 0;
        using var runner = new PipelineRunner(ct);
        var indexes = runner.Source<int>("images", async (w, token) =>
        {
            for (var i = 0; i < images.Count; i++) await w.WriteAsync(i, token);
        }, capacity: 4 * batchSize);
        var decoded = runner.Map<int, (int Index, float[]? Chw)>("decode+align", indexes, async (i, token) =>
        {
            var img = images[i];
            if (img.Problem is not null)
            {
                problems[i] = img.Problem;
                return (i, null);
            }

            var r = img.Bytes is { } bytes ? loader.Process(bytes, img.Landmarks) : await loader.LoadAsync(new FileSource(img.Path!), img.Landmarks, token);
            if (!r.Succeeded) problems[i] = r.ToReject(img.Id).Reason;
            else provenance.Count(AlignmentCount(r.Mode));
            return (i, r.Succeeded ? r.Chw : null);
        }, workers, capacity: 4 * batchSize);
        var batches = runner.Batch("batch", decoded, batchSize);
        var size = imaging.OutputSize;
        if (model.InputSize != size) throw new UsageException($"the model takes {model.InputSize}x{model.InputSize} inputs, evaluation images are aligned to {size}x{size}");
        var per = 3 * size * size;
        var input = new float[batchSize * per];
        var flipped = new float[batchSize * per];
        var plain = new float[batchSize * dim];
        var mirror = new float[batchSize * dim];
        runner.Sink("embed", batches, (batch, _) =>
        {
            var ok = batch.Where(b => b.Chw is not null).ToList();
            for (var k = 0; k < ok.Count; k++)
            {
                ok[k].Chw.CopyTo(input.AsSpan(k * per, per));
                FaceLoader.Mirror(ok[k].Chw, flipped.AsSpan(k * per, per), size);
            }

            if (ok.Count > 0)
            {
                model.Embed(input.AsSpan(0, ok.Count * per), ok.Count, plain.AsSpan(0, ok.Count * dim));
                model.Embed(flipped.AsSpan(0, ok.Count * per), ok.Count, mirror.AsSpan(0, ok.Count * dim));
                for (var k = 0; k < ok.Count; k++)
                {
                    var dest = values.AsSpan(ok[k].Index * dim, dim);
                    Core.Eval.VerificationScorer.CombineFlip(plain.AsSpan(k * dim, dim), mirror.AsSpan(k * dim, dim), dest);
                    if (!Chw.AllFinite(dest)) problems[ok[k].Index] = "embedding is not finite";
                }
            }

            embedded += ok.Count;
            advance(batch.Count);
            return ValueTask.CompletedTask;
        });
        await runner.RunAsync();
        return new FusedEmbeddings(dim, values, problems, embedded / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
    }

    /// <summary>The provenance count of an image aligned in <paramref name="mode"/>.</summary>
    public static string AlignmentCount(AlignmentMode mode) => mode switch
    {
        AlignmentMode.Landmarks => "alignedByLandmarks",
        AlignmentMode.PassThrough => "passedThrough112",
        AlignmentMode.CenterCrop => "centreCropped",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>The cache's content fingerprint: SHA-256 over the teacher weights hash, the ordered key list hash and every
    /// shard's SHA-256 as recorded in its index (a re-embedded or changed cache gets a new fingerprint).</summary>
    public static string CacheFingerprint(CacheIndex index)
    {
        var text = new System.Text.StringBuilder()
            .Append("weights ").Append(index.Metadata.WeightsSha256).Append('\n')
            .Append("preprocessing ").Append(index.Metadata.Preprocessing).Append('\n')
            .Append("keys ").Append(index.KeysSha256).Append('\n');
        foreach (var s in index.Shards) text.Append("shard ").Append(s.File).Append(' ').Append(s.Sha256).Append('\n');
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static FusedEmbeddings FromCache(IReadOnlyList<EvalImage> images, EmbeddingCacheReader cache)
    {
        var dim = cache.EmbeddingSize;
        var values = new float[images.Count * dim];
        var problems = new string?[images.Count];
        var e = new float[dim];
        var f = new float[dim];
        var p = new float[4];
        for (var i = 0; i < images.Count; i++)
        {
            var key = images[i].CacheKey;
            if (key is null)
            {
                problems[i] = "packed images have no cache key: evaluate packs with --model or --onnx";
                continue;
            }

            if (!cache.TryGetTarget(key, e, f, p, out var n, out var nf))
            {
                problems[i] = $"not in the cache (key {key})";
                continue;
            }

            var dest = values.AsSpan(i * dim, dim);
            for (var j = 0; j < dim; j++) dest[j] = (e[j] * n) + (f[j] * nf);
        }

        return new FusedEmbeddings(dim, values, problems, 0);
    }
}
