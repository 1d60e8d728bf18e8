using System.Diagnostics;
using System.Globalization;
using System.Text;
using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Torch.Inference;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;
using FairKd.Torch.Train;
using TorchSharp;

namespace FairKd.Benchmarks;

/// <summary>
/// Training step time at 112x112, batch 32, for MobileFaceNet and IResNet-34 students: (a) no KD, (b) cached-target KD
/// (targets arrive with the batch, as the cache gives them), (c) online KD running an IResNet-100 teacher forward per
/// step, (d) the teacher forward alone. Same random batch every step, 1000 classes, AdaFace header. Writes results/train.md.
/// usage: train [--steps N] [--students mobilefacenet,iresnet34]
/// </summary>
internal static class TrainBenchmark
{
    private const int Batch = 32;
    private const int Classes = 1000;

    public static int Run(string[] args)
    {
        var steps = 3;
        var students = new[] { "mobilefacenet", "iresnet34" };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--students": students = args[++i].Split(','); break;
                default:
                    Console.Error.WriteLine($"train: unknown option {args[i]}");
                    return 2;
            }
        }

        torch.set_num_threads(Environment.ProcessorCount);
        var load = BenchHost.LoadAverage();
        var work = Path.Combine(Path.GetTempPath(), $"fairkd-bench-train-{Environment.ProcessId}");
        var rng = new Random(5);
        var (images, labels) = SyntheticBatch(rng, Batch, Classes);
        var cached = new float[Batch * 512];
        for (var i = 0; i < cached.Length; i++) cached[i] = (float)(rng.NextDouble() - 0.5);
        for (var i = 0; i < Batch; i++) Chw.L2Normalise(cached.AsSpan(i * 512, 512), cached.AsSpan(i * 512, 512));

        torch.manual_seed(2);
        using var teacher = new TorchFaceEmbedder(ModelRegistry.Create(new ModelSpec("iresnet100")));
        TeacherBenchmark.VarianceScaled(teacher.Model, seed: 2); // finite eval-mode outputs from random weights
        var teacherOut = new float[Batch * 512];
        double TeacherForward(float[] online)
        {
            var c = Stopwatch.StartNew();
            teacher.Embed(images, Batch, teacherOut);
            for (var i = 0; i < Batch; i++) Chw.L2Normalise(teacherOut.AsSpan(i * 512, 512), online.AsSpan(i * 512, 512));
            return c.Elapsed.TotalSeconds;
        }

        var online = new float[Batch * 512];
        TeacherForward(online); // warm-up
        var md = new StringBuilder();
        md.AppendLine("# Training step time: no KD, cached-target KD, online KD");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical cores, load average at start {load}; .NET {Environment.Version}; TorchSharp 0.107.0 (libtorch 2.10.0 CPU).");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- train` (112x112, batch {Batch}, {Classes} classes, AdaFace header, SGD as the study; one warm-up step, then {steps} timed steps per variant, median; the teacher is IResNet-100 at full width, eval mode, no gradients).");
        md.AppendLine();
        md.AppendLine("| student | (a) no KD s/step | (b) cached KD s/step | (c) online KD s/step | (d) teacher forward s | (b)/(a) speed | ideal speed-up (a+d)/a | measured (c)/(b) | measured / ideal |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        try
        {
            foreach (var name in students)
            {
                torch.manual_seed(3);
                using var backbone = ModelRegistry.Create(new ModelSpec(name));
                using var header = LossRegistry.Create("adaface", 512, Classes);
                using var trainer = new Trainer(backbone, header, new TrainerOptions { OutputDir = Path.Combine(work, name), BatchSize = Batch, Epochs = 1, TensorBoard = false });
                var step = 0;
                double Step(float[]? targets)
                {
                    var c = Stopwatch.StartNew();
                    trainer.Step(new TrainBatch(0, step++, Batch, images, 112, labels, targets, new bool[Batch], Enumerable.Range(0, Batch).Select(i => $"k{i}").ToArray()));
                    return c.Elapsed.TotalSeconds;
                }

                Step(null); // warm-up
                Step(cached);
                var a = new List<double>();
                var b = new List<double>();
                var cOnline = new List<double>();
                var d = new List<double>();
                for (var s = 0; s < steps; s++)
                {
                    a.Add(Step(null));
                    b.Add(Step(cached));
                    var t = TeacherForward(online);
                    d.Add(t);
                    cOnline.Add(t + Step(online));
                    Console.WriteLine($"train {name} step {s + 1}: a {a[^1]:F2} s, b {b[^1]:F2} s, c {cOnline[^1]:F2} s, d {d[^1]:F2} s");
                }

                double ma = Median(a), mb = Median(b), mc = Median(cOnline), md_ = Median(d);
                var ideal = (ma + md_) / ma;
                var measured = mc / mb;
                md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {ma:F2} | {mb:F2} | {mc:F2} | {md_:F2} | {ma / mb:F3} | {ideal:F2}x | {measured:F2}x | {measured / ideal:F2} |");
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }

        md.AppendLine();
        md.AppendLine("Speed (b)/(a) = time(a)/time(b): goal >= 0.95 (distilling from the cache costs almost nothing). The speed-up of caching is");
        md.AppendLine("time(c)/time(b); its ideal is (time(a) + time(d)) / time(a); goal: measured >= 0.9 of ideal. Timed steps alternate a, b, c so");
        md.AppendLine("machine load affects every variant alike. The data pipeline is not in these numbers (it is prefetched; `fairkd train` reports");
        md.AppendLine("the share of wall time the trainer waited on data: 0.4-1.4 % in the measured `make demo` run).");
        var path = Path.Combine(BenchPaths.ProjectDir, "results", "train.md");
        Core.IO.AtomicFile.WriteAllText(path, md.ToString());
        Console.Write(md);
        return 0;
    }

    /// <summary>The benchmarks' fixed batch: 3x112x112 images uniform in [-1, 1) drawn from <paramref name="rng"/>, label i*31 mod classes.</summary>
    internal static (float[] Images, long[] Labels) SyntheticBatch(Random rng, int batch, int classes)
    {
        var images = new float[batch * 3 * 112 * 112];
        for (var i = 0; i < images.Length; i++) images[i] = (float)((rng.NextDouble() * 2) - 1);
        return (images, [.. Enumerable.Range(0, batch).Select(i => (long)(i * 31 % classes))]);
    }

    private static double Median(IReadOnlyList<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }
}
