using System.Diagnostics;
using System.Globalization;
using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;
using FairKd.Torch.Train;
using TorchSharp;

namespace FairKd.Benchmarks;

/// <summary>
/// Section 4: a `mobilefacenet` KD training step (112x112, 28,000 classes as BUPT, ArcFace header) at --step-batch
/// (default 64), scaled linearly to batch 512: the batch-512 step itself needed more than 20 GB here (killed by the
/// kernel's OOM killer at 20.8 GB resident on this 24 GB machine), so it is extrapolated from the measured one.
/// </summary>
internal static class ScaleStep
{
    private const int Classes = 28_000;

    /// <summary>Measures the step; returns its median seconds scaled to batch 512.</summary>
    public static double Measure(ScaleOptions o, Action<string> line)
    {
        var Batch = o.StepBatch;
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
        var cpu = new List<double>();
        long peak;
        using (var backbone = ModelRegistry.Create(new ModelSpec("mobilefacenet")))
        using (var header = LossRegistry.Create("arcface", 512, Classes))
        using (var trainer = new Trainer(backbone, header, new TrainerOptions { OutputDir = Path.Combine(o.Work, "step"), BatchSize = Batch, Epochs = 1, TensorBoard = false }))
        {
            var step = 0;
            peak = ScaleProbe.PeakAnonDuring(() =>
            {
                for (var s = 0; s <= o.Steps; s++)
                {
                    var sw = Stopwatch.StartNew();
                    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                    trainer.Step(new TrainBatch(0, step++, Batch, images, 112, labels, targets, new bool[Batch], keys));
                    if (s > 0) // step 0 is the warm-up
                    {
                        times.Add(sw.Elapsed.TotalSeconds);
                        cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
                    }

                    Console.WriteLine($"scale: mobilefacenet batch {Batch} step {s}: {sw.Elapsed.TotalSeconds:F1} s");
                }
            });
        }

        var median = ScaleProbe.Median(times);
        var at512 = median * 512 / Batch;
        line("## 4. The step the lookups are measured against");
        line("");
        line(($"`mobilefacenet` (full width), batch {Batch}, 112x112, ArcFace header over {Classes:N0} classes, KD (MSE, cached targets), SGD as the study, " +
            $"{Environment.ProcessorCount} threads, one warm-up step then {o.Steps}: {string.Join(" / ", times.Select(t => t.ToString("F1", inv)))} s per step (median **{median:F1} s**; CPU {string.Join(" / ", cpu.Select(t => t.ToString("F1", inv)))} s, all threads); " +
            $"process anonymous memory peak {ScaleProbe.Mb(peak)} MB. Batch 512 does not fit here: a first run of it was killed by the OOM killer at 20.8 GB resident, " +
            $"so its step is **extrapolated linearly: {at512:F1} s** (512/{Batch} x the measured step; CPU convolutions scale about linearly with the batch). " +
            $"The goal (lookups <= 2 % of the step) then allows {0.02 * at512 * 1e3:F0} ms for the batch's 512 lookups, i.e. >= {512 / (0.02 * at512):N0} lookups/s."));
        line("");
        return at512;
    }
}
