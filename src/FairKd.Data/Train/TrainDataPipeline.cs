using System.Collections.Concurrent;
using System.Threading.Channels;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Ingest;

namespace FairKd.Data.Train;

/// <summary>
/// The training data pipeline on a <see cref="PipelineRunner"/>: a seeded per-epoch permutation and flip draw ->
/// read + landmarks + decode + align + normalise (N ordered workers, <see cref="FaceLoader"/>: the ingest and embed
/// stages' own per-sample step, with <see cref="TrainDataOptions.Imaging"/> and <see cref="TrainDataOptions.Landmarks"/>)
/// -> batch assembly (flip with <see cref="FaceLoader.Mirror"/>, the mirror embed caches the flipped target of;
/// cached teacher target of the image as seen, label) -> a bounded prefetch channel of <see cref="TrainBatch"/>es.
/// Batch k of epoch e is permutation positions [kB, (k+1)B) of epoch e's generator, so the stream is the same
/// whatever the worker count and a resumed run (<see cref="TrainDataOptions.StartEpoch"/>/<see cref="TrainDataOptions.StartStep"/>)
/// starts exactly where the interrupted one stopped without decoding what came before. An image that fails to load
/// (read, landmarks, decode or align) is left out of its batch (recorded in <see cref="Rejects"/>), which stays deterministic.
/// <paramref name="weights"/> (optional) gives each image's margin-loss and KD weights (<see cref="TrainBatch.MarginWeights"/>,
/// <see cref="TrainBatch.KdWeights"/>); a batch carries them only where one differs from 1.
/// </summary>
public sealed class TrainDataPipeline(IReadOnlyList<TrainSample> samples, Func<TrainSample, long> label, ITeacherTargets? targets, TrainDataOptions options,
    Func<TrainSample, (float Margin, float Kd)>? weights = null)
{
    private readonly ConcurrentQueue<Reject> _rejects = new();

    /// <summary>Images left out because they could not be read, decoded or aligned (with the stage that refused them).</summary>
    public IReadOnlyCollection<Reject> Rejects => _rejects;

    /// <summary>Steps per epoch (drop_last).</summary>
    public int StepsPerEpoch => options.StepsPerEpoch(samples.Count);

    /// <summary>Keys of <paramref name="all"/> missing from <paramref name="cache"/> (checked before training starts).</summary>
    public static List<string> MissingFromCache(IReadOnlyList<TrainSample> all, ITeacherTargets cache)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(cache);
        return [.. all.Where(s => !cache.Contains(s.Key)).Select(s => s.Key)];
    }

    /// <summary>The permutation of epoch <paramref name="epoch"/> and its flip draws (Fisher-Yates over System.Random(seed, epoch)).</summary>
    public static (int[] Order, bool[] Flips) EpochDraw(int count, int seed, int epoch, bool flip)
    {
        var rng = new Random(unchecked((seed * 1_000_003) + epoch));
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var flips = new bool[count];
        for (var i = 0; i < count && flip; i++) flips[i] = rng.Next(2) == 1;
        return (order, flips);
    }

    /// <summary>Starts the stages; the returned channel yields the batches in order.</summary>
    public ChannelReader<TrainBatch> Start(PipelineRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        options.Validate();
        var steps = StepsPerEpoch;
        if (steps == 0) throw new UsageException($"{samples.Count} images make no batch of {options.BatchSize}: lower --batch-size");
        var loader = new FaceLoader(options.Imaging, options.Landmarks);
        var slots = runner.Source<Slot>("shuffle", async (writer, ct) =>
        {
            long produced = 0;
            for (var epoch = options.StartEpoch; epoch < options.Epochs; epoch++)
            {
                var (order, flips) = EpochDraw(samples.Count, options.Seed, epoch, options.Flip);
                for (var step = epoch == options.StartEpoch ? options.StartStep : 0; step < steps; step++)
                {
                    if (options.MaxSteps is { } max && produced++ >= max) return;
                    for (var p = step * options.BatchSize; p < (step + 1) * options.BatchSize; p++)
                        await writer.WriteAsync(new Slot(epoch, step, order[p], flips[p]), ct).ConfigureAwait(false);
                }
            }
        }, capacity: 2 * options.BatchSize);

        var decoded = runner.Map<Slot, Decoded>("decode", slots, async (slot, ct) =>
        {
            var r = (await loader.LoadAsync(samples[slot.Index].ToSampleRef(), ct).ConfigureAwait(false)).Result;
            return new Decoded(slot, r.Chw, r.Succeeded ? null : r.ToReject(samples[slot.Index].Key));
        }, options.Workers, capacity: 2 * options.BatchSize);

        var output = PipelineRunner.CreateChannel<TrainBatch>(options.Prefetch, singleWriter: true);
        runner.Stage("batch", output.Writer, async ct =>
        {
            var pending = new List<Decoded>(options.BatchSize);
            await foreach (var d in decoded.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (pending.Count > 0 && (pending[0].Slot.Epoch != d.Slot.Epoch || pending[0].Slot.Step != d.Slot.Step))
                {
                    if (Assemble(pending, loader.OutputSize) is { } b) await output.Writer.WriteAsync(b, ct).ConfigureAwait(false);
                    pending.Clear();
                }

                pending.Add(d);
            }

            if (pending.Count > 0 && Assemble(pending, loader.OutputSize) is { } last) await output.Writer.WriteAsync(last, ct).ConfigureAwait(false);
        });
        return output.Reader;
    }

    private TrainBatch? Assemble(List<Decoded> slots, int size)
    {
        foreach (var d in slots.Where(d => d.Chw is null)) _rejects.Enqueue(d.Problem!);
        var ok = slots.Where(d => d.Chw is not null).ToList();
        if (ok.Count == 0) return null;
        var per = 3 * size * size;
        var images = new float[ok.Count * per];
        var labels = new long[ok.Count];
        var flipped = new bool[ok.Count];
        var keys = new string[ok.Count];
        var t = targets is null ? null : new float[ok.Count * targets.Width];
        var mw = weights is null ? null : new float[ok.Count];
        var kw = weights is null || targets is null ? null : new float[ok.Count];
        for (var i = 0; i < ok.Count; i++)
        {
            var d = ok[i];
            var s = samples[d.Slot.Index];
            var dest = images.AsSpan(i * per, per);
            if (d.Slot.Flip) FaceLoader.Mirror(d.Chw, dest, size);
            else d.Chw.CopyTo(dest);
            labels[i] = label(s);
            flipped[i] = d.Slot.Flip;
            keys[i] = s.Key;
            targets?.Get(s.Key, d.Slot.Flip, t.AsSpan(i * targets.Width, targets.Width));
            if (weights is not null)
            {
                var (m, k) = weights(s);
                mw![i] = m;
                if (kw is not null) kw[i] = k;
            }
        }

        return new TrainBatch(ok[0].Slot.Epoch, ok[0].Slot.Step, ok.Count, images, size, labels, t, flipped, keys,
            mw is null || mw.All(w => w == 1f) ? null : mw, kw is null || kw.All(w => w == 1f) ? null : kw);
    }

    private sealed record Slot(int Epoch, int Step, int Index, bool Flip);

    private sealed record Decoded(Slot Slot, float[]? Chw, Reject? Problem);
}
