using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FairKd.Core.Tensors;
using FairKd.Data.Imaging;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using SixLabors.ImageSharp.Formats.Jpeg;

namespace FairKd.Benchmarks;

/// <summary>
/// `fairkd embed` end to end (enumerate -> read -> decode+align workers -> batches -> teacher on image + mirror ->
/// Parquet cache, the real CLI in a child process; its own img/s line, which excludes process start and model load)
/// against teacher-only throughput on the same images in a child process (already-decoded faces, the same batches of
/// image + mirror, the same intra-op threads). Ratio goal >= 0.9: the pipeline hides decode and write.
/// For the tiny teacher (decode-bound) the CLI also runs with the .NET default LOH threshold (85,000 bytes), to
/// measure the System.GC.LOHThreshold = 256 KiB that fairkd's runtimeconfig sets. Writes results/embed.md.
/// usage: embed [--images N (full-width teachers; tiny ones get 8N)] [--rounds R] [--threads T] [--models SPEC;SPEC] [--out FILE]
/// </summary>
internal static partial class EmbedBenchmark
{
    private const string DefaultLohThresholdHex = "14C08"; // 85,000 bytes: the runtime default

    private sealed record Row(string Model, int Images, double EndToEnd, double TeacherOnly, double PairedRatio, double? EndToEndDefaultLoh, double ProcessSeconds, string Rounds);

    public static int Run(string[] args)
    {
        var images = 128;
        var rounds = 5;
        var threads = Environment.ProcessorCount;
        var models = new[] { "iresnet100", "iresnet34", "iresnet18:width=0.0625" };
        var output = Path.Combine(BenchPaths.ProjectDir, "results", "embed.md");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--images": images = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--models": models = args[++i].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--out": output = Path.GetFullPath(args[++i]); break;
                default:
                    Console.Error.WriteLine($"embed: unknown option {args[i]} (use --images N, --rounds R, --threads T, --models SPEC;SPEC, --out FILE)");
                    return 2;
            }
        }

        var fairkd = Path.Combine(AppContext.BaseDirectory, "fairkd.dll");
        if (!File.Exists(fairkd))
        {
            Console.Error.WriteLine($"embed: {fairkd} not found (the benchmark project references FairKd.Cli)");
            return 1;
        }

        var loadBefore = BenchHost.LoadAverage();
        TorchSharp.torch.set_num_threads(threads);
        var work = Path.Combine(Path.GetTempPath(), $"fairkd-bench-embed-{Environment.ProcessId}");
        var rows = new List<Row>();
        try
        {
            foreach (var text in models)
            {
                var spec = ModelSpecText.Parse(text, "--models");
                var tiny = spec.WidthMultiplier < 0.5;
                // A tiny teacher runs ~50x faster: 8x the images keep its runs long enough to time. 128 images of a
                // full-width teacher (4 batches of image + mirror) keep the first, cold batch a small share of the run.
                var count = tiny ? 8 * images : images;
                var dataset = Path.Combine(work, $"faces-{count}");
                Generate(dataset, count);
                var weights = Path.Combine(work, "teacher.pth");
                using (var model = ModelRegistry.Create(spec))
                {
                    TeacherBenchmark.VarianceScaled(model, seed: 0);
                    ModelWeights.SavePyTorch(model, weights);
                }

                var e2e = new List<double>();
                var e2eDefaultLoh = new List<double>();
                var teacherOnly = new List<double>();
                var processSeconds = new List<double>();
                for (var r = 0; r < rounds; r++)
                {
                    var (rate, seconds) = EndToEnd(fairkd, dataset, text, weights, Path.Combine(work, $"cache-{r}"), threads, null);
                    e2e.Add(rate);
                    processSeconds.Add(seconds);
                    teacherOnly.Add(TeacherOnlyChild(dataset, text, weights, threads));
                    if (tiny) e2eDefaultLoh.Add(EndToEnd(fairkd, dataset, text, weights, Path.Combine(work, $"cache-loh-{r}"), threads, DefaultLohThresholdHex).Rate);
                    Console.WriteLine($"embed {text} round {r + 1}/{rounds}: end-to-end {e2e[^1]:F1} img/s, teacher-only {teacherOnly[^1]:F1} img/s" +
                        (tiny ? $", end-to-end with the default LOH threshold {e2eDefaultLoh[^1]:F1} img/s" : ""));
                }

                // Each round's two sides run back to back, so the per-round ratio cancels the slow drift of a shared machine.
                var paired = TeacherBenchmark.Median(e2e.Select((e, k) => e / teacherOnly[k]).ToList());
                rows.Add(new Row(ModelSpecText.Format(spec), count, TeacherBenchmark.Median(e2e), TeacherBenchmark.Median(teacherOnly), paired,
                    tiny ? TeacherBenchmark.Median(e2eDefaultLoh) : null, TeacherBenchmark.Median(processSeconds),
                    string.Join("; ", e2e.Select((e, k) => string.Create(CultureInfo.InvariantCulture,
                        $"{e:F1} / {teacherOnly[k]:F1}{(tiny ? $" / {e2eDefaultLoh[k]:F1}" : "")}")))));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        WriteMarkdown(output, rows, threads, rounds, loadBefore, BenchHost.LoadAverage());
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>
    /// `embed-teacher-only SPEC WEIGHTS DIR THREADS` (run by <see cref="Run"/> as a child process, so both sides are
    /// fresh processes with the same thread setup): decodes DIR's images, warms up on one batch, then prints the
    /// teacher-only img/s over all images.
    /// </summary>
    public static int TeacherOnlyMain(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine("usage: embed-teacher-only SPEC WEIGHTS DIR THREADS");
            return 2;
        }

        TorchSharp.torch.set_num_threads(int.Parse(args[3], CultureInfo.InvariantCulture));
        using var embedder = TorchFaceEmbedder.Create(ModelSpecText.Parse(args[0], "SPEC"), args[1]);
        var preprocessor = new FacePreprocessor();
        var faces = Directory.GetFiles(args[2], "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => preprocessor.Process(File.ReadAllBytes(f), null).Chw ?? throw new InvalidOperationException("cannot decode " + f))
            .ToArray();
        TeacherOnly(embedder, faces[..Math.Min(32, faces.Length)], 32); // warm-up
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"teacher only: {faces.Length} images, {TeacherOnly(embedder, faces, 32):F2} img/s"));
        return 0;
    }

    private static double TeacherOnlyChild(string dataset, string teacher, string weights, int threads)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "FairKd.Benchmarks.dll"), "embed-teacher-only", teacher, weights, dataset, threads.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var m = RateLine().Match(stdout);
        if (p.ExitCode != 0 || !m.Success) throw new InvalidOperationException($"teacher-only child failed (exit {p.ExitCode}): {stdout}\n{stderr.Result}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Images/s of the teacher alone on decoded faces: per batch, copy + mirror, embed both, L2-normalise (what the embed stage's teacher step does).</summary>
    private static double TeacherOnly(TorchFaceEmbedder embedder, float[][] faces, int batch)
    {
        var size = embedder.InputSize;
        var per = 3 * size * size;
        var dim = embedder.EmbeddingSize;
        var input = new float[batch * per];
        var flipped = new float[batch * per];
        var raw = new float[batch * dim];
        var rawFlipped = new float[batch * dim];
        var normalised = new float[dim];
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < faces.Length; start += batch)
        {
            var n = Math.Min(batch, faces.Length - start);
            for (var i = 0; i < n; i++)
            {
                faces[start + i].CopyTo(input.AsSpan(i * per, per));
                Chw.FlipHorizontal(faces[start + i], flipped.AsSpan(i * per, per), 3, size, size);
            }

            embedder.Embed(input.AsSpan(0, n * per), n, raw);
            embedder.Embed(flipped.AsSpan(0, n * per), n, rawFlipped);
            for (var i = 0; i < n; i++)
            {
                Chw.L2Normalise(raw.AsSpan(i * dim, dim), normalised);
                Chw.L2Normalise(rawFlipped.AsSpan(i * dim, dim), normalised);
            }
        }

        return faces.Length / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs `fairkd embed` and returns the img/s it prints (pipeline time) and the process's wall seconds.</summary>
    private static (double Rate, double Seconds) EndToEnd(string fairkd, string dataset, string teacher, string weights, string outDir, int threads, string? lohThresholdHex)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     fairkd, "embed", "--dataset", "bench=" + dataset, "--teacher", teacher, "--weights", weights, "--no-ethnicity",
                     "--out", outDir, "--batch-size", "32", "--threads", threads.ToString(CultureInfo.InvariantCulture),
                 })
            psi.ArgumentList.Add(a);
        if (lohThresholdHex is not null) psi.Environment["DOTNET_GCLOHThreshold"] = lohThresholdHex;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var seconds = clock.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"fairkd embed failed (exit {p.ExitCode}): {stdout}\n{stderr.Result}");
        var rate = FairkdCli.EmbedRate(stdout);
        Directory.Delete(outDir, recursive: true);
        return (rate, seconds);
    }

    /// <summary>Writes 112x112 aligned JPEGs (quality 95) in identity/image layout, 8 identities.</summary>
    private static void Generate(string root, int count)
    {
        Directory.CreateDirectory(root);
        var random = new Random(112);
        for (var i = 0; i < count; i++)
        {
            var dir = Path.Combine(root, $"id_{i % 8:D2}");
            Directory.CreateDirectory(dir);
            using var image = AlignBenchmark.FaceLike(112, random);
            using var stream = new MemoryStream();
            image.Save(stream, new JpegEncoder { Quality = 95 });
            File.WriteAllBytes(Path.Combine(dir, $"img_{i:D4}.jpg"), stream.ToArray());
        }
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?) img/s")]
    private static partial Regex RateLine();

    private static void WriteMarkdown(string path, List<Row> rows, int threads, int rounds, string loadBefore, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# `fairkd embed` end to end vs teacher only");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} logical cores; load average {loadBefore} at start, {loadAfter} at the end (the cores are shared with other jobs: rates are noisy)");
        sb.AppendLine(inv, $"- End to end: `fairkd embed --dataset bench=DIR --teacher SPEC --weights W --no-ethnicity --batch-size 32 --threads {threads}` (child process, decode workers = cores); its printed img/s covers the pipeline (enumerate, read, decode + align, batch, teacher on image and mirror, Parquet write, index), not process start or model load");
        sb.AppendLine(inv, $"- Teacher only: the same weights in a child process of the benchmark (`embed-teacher-only`, so both sides are fresh processes with the same thread setup) on the already-decoded faces (decode not timed): batches of 32, copy + mirror, two `Embed` calls, L2 normalisation; torch threads {threads}");
        sb.AppendLine(inv, $"- Images: generated 112x112 aligned JPEGs (quality 95, pass-through alignment), 8 identities; {rounds} interleaved rounds, medians");
        sb.AppendLine();
        sb.AppendLine("Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- embed`");
        sb.AppendLine();
        sb.AppendLine("| teacher | images | end-to-end img/s | teacher-only img/s | ratio of medians | median of per-round ratios | end-to-end, default LOH threshold | `fairkd embed` process s |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(inv, $"| {r.Model} | {r.Images} | {r.EndToEnd:F1} | {r.TeacherOnly:F1} | {r.EndToEnd / r.TeacherOnly:F2} | {r.PairedRatio:F2} | {(r.EndToEndDefaultLoh is { } d ? d.ToString("F1", inv) : "-")} | {r.ProcessSeconds:F1} |");
        sb.AppendLine();
        sb.AppendLine("Every round (img/s: end-to-end / teacher-only [/ end-to-end with the default LOH threshold]):");
        sb.AppendLine();
        foreach (var r in rows) sb.AppendLine(inv, $"- {r.Model}: {r.Rounds}");
        sb.AppendLine();
        sb.AppendLine("Goal: ratio >= 0.90 (the median of per-round ratios is the figure to read: the two sides of a round run back to back).");
        Core.IO.AtomicFile.WriteAllText(path, sb.ToString());
    }
}
