using System.Runtime.CompilerServices;
using FairKd.Core.Records;

namespace FairKd.Torch.Tests.Train;

/// <summary>A separable synthetic problem: each class is a fixed random pattern plus noise; deterministic per (seed, epoch, step).</summary>
internal sealed class SyntheticBatches(int classes, int size, int batch, int stepsPerEpoch, long seed, float noise = 0.3f)
{
    private readonly float[][] patterns = Enumerable.Range(0, classes).Select(c =>
    {
        var r = new Random((int)seed * 7919 + c);
        return Enumerable.Range(0, 3 * size * size).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }).ToArray();

    public int Size => size;

    public TrainBatch Batch(int epoch, int step, Func<float[], int, float[]>? targets = null)
    {
        // not HashCode.Combine: it is randomised per process, which made every test on these batches see other data each run
        var r = new Random(unchecked((int)((seed * 1_000_003L) + (epoch * 10_007L) + step)));
        var pixels = 3 * size * size;
        var images = new float[batch * pixels];
        var labels = new long[batch];
        for (var i = 0; i < batch; i++)
        {
            var c = r.Next(classes);
            labels[i] = c;
            for (var k = 0; k < pixels; k++) images[i * pixels + k] = patterns[c][k] + noise * (float)(r.NextDouble() * 2 - 1);
        }

        return new TrainBatch(epoch, step, batch, images, size, labels, targets?.Invoke(images, batch), new bool[batch],
            Enumerable.Range(0, batch).Select(i => $"synthetic/{epoch}/{step}/{i}").ToArray());
    }

    public async IAsyncEnumerable<TrainBatch> Epochs(int from, int to, [EnumeratorCancellation] CancellationToken ct = default)
    {
        for (var e = from; e < to; e++)
            for (var s = 0; s < stepsPerEpoch; s++)
            {
                ct.ThrowIfCancellationRequested();
                await Task.Yield();
                yield return Batch(e, s);
            }
    }
}
