using System.Diagnostics;
using System.Globalization;
using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;
using FairKd.Torch.Training;
using TorchSharp;

namespace FairKd.Benchmarks;

/// <summary>Section 4: one `mobilefacenet` KD training step at batch 512 (112x112, 28,000 classes as BUPT, ArcFace header).</summary>
internal static class ScaleStep
{
    private const int Batch = 512;
    private const int Classes = 28_000;

    /// <summary>Measures the step; returns its median seconds.</summary>
    public static double Measure(ScaleOptions o, Action<string> line)
    {
        var inv = CultureInfo.InvariantCulture;
        torch.set_num_threads(Environment.ProcessorCount);
        var rng = new Random(5);
        var images = new float[Batch * 3 * 112 * 112];
        for (var i = 0; i < images.Length; i++) images[i] = (rng.NextSingle() * 2) - 1;
        var labels = Enumerable.Range(0, Batch).Select(i => (long)(i * 53 % Classes)).ToArray();
        var targets = new float[Batch * 512];
        for (var i = 0; i < targets.Length; i++) targets[i] = rng.NextSingle() - 0.5f;
        for (var i = 0; i < Batch; i++) Chw.L2Normalise(targets.AsSpan(i * 512, 512), targets.AsSpan(i * 512, 512));
        var keys = Enumerable.Range(0, Batch).Select(i => $"k{i}").ToArray();
        torch.manual_seed(3);
        var times = new List<double>();
        long peak;
        using (var backbone = ModelRegistry.Create(new ModelSpec("mobilefacenet")))
        using (var header = LossRegistry.Create("arcface", 512, Classes))
        using (var trainer = new Trainer(backbone, header, new TrainOptions { OutputDir = Path.Combine(o.Work, "step"), BatchSize = Batch, Epochs = 1, TensorBoard = false }))
        {
            var step = 0;
            peak = ScaleProbe.PeakAnonDuring(() =>
            {
                for (var s = 0; s <= o.Steps; s++)
                {
                    var sw = Stopwatch.StartNew();
                    trainer.Step(new TrainBatch(0, step++, Batch, images, 112, labels, targets, new bool[Batch], keys));
                    if (s > 0) times.Add(sw.Elapsed.TotalSeconds); // step 0 is the warm-up
                    Console.WriteLine($"scale: mobilefacenet batch {Batch} step {s}: {sw.Elapsed.TotalSeconds:F1} s");
                }
            });
        }

        var median = ScaleProbe.Median(times);
        line("## 4. The step the lookups are measured against");
        line("");
        line(($"`mobilefacenet` (full width), batch {Batch}, 112x112, ArcFace header over {Classes:N0} classes, KD (MSE, cached targets), SGD as the study, " +
            $"{Environment.ProcessorCount} threads, one warm-up step then {o.Steps}: {string.Join(" / ", times.Select(t => t.ToString("F1", inv)))} s per step (median **{median:F1} s**); " +
            $"process anonymous memory peak {ScaleProbe.Mb(peak)} MB. The goal (lookups <= 2 % of the step) allows {0.02 * median * 1e3:F0} ms for the batch's {Batch} lookups, " +
            $"i.e. >= {Batch / (0.02 * median):N0} lookups/s."));
        line("");
        return median;
    }
}
