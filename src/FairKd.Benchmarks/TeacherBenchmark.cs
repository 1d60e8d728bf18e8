using System.Diagnostics;
using System.Globalization;
using System.Text;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Benchmarks;

/// <summary>
/// Teacher inference throughput (`fairkd embed`'s hot path, <see cref="TorchFaceEmbedder.Embed"/>) against PyTorch
/// (peers/teacher_peer.py) with the same network, the same weights (saved by us with ModelWeights.SavePyTorch, loaded by
/// PyTorch with strict=True and checked by comparing one embedding) and the same intra-op thread count. Interleaved A/B
/// rounds of a few batches each; the per-batch medians give images/s. Writes results/teacher.md.
/// usage: teacher [--models iresnet34,iresnet100] [--batch 32] [--rounds 3] [--batches K] [--threads N] [--out FILE]
/// </summary>
internal static class TeacherBenchmark
{
    private sealed record Row(string Model, long Parameters, int Batch, double CSharpRate, double PeerRate, int CSharpBatches, int PeerBatches, double Cosine);

    public static int Run(string[] args)
    {
        var models = new[] { "iresnet34", "iresnet100" };
        var batch = 32;
        var rounds = 3;
        int? batches = null;
        var threads = Environment.ProcessorCount;
        var output = Path.Combine(BenchPaths.ProjectDir, "results", "teacher.md");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": models = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batches": batches = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = Path.GetFullPath(args[++i]); break;
                default:
                    Console.Error.WriteLine($"teacher: unknown option {args[i]} (use --models, --batch, --rounds, --batches, --threads, --out)");
                    return 2;
            }
        }

        var loadBefore = LoadAverage();
        TorchSharp.torch.set_num_threads(threads);
        var work = Path.Combine(Path.GetTempPath(), $"fairkd-bench-teacher-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var rows = new List<Row>();
        string? peerVersions = null;
        try
        {
            foreach (var name in models)
            {
                var spec = new ModelSpec(name);
                // Slow teachers (r100 batch 32: ~8 s on 2 cores) get fewer batches per round.
                var perRound = batches ?? (name is "iresnet100" or "iresnet200" ? 2 : 3);
                var weights = Path.Combine(work, name + ".pth");
                using var embedder = new TorchFaceEmbedder(ModelRegistry.Create(spec), new TorchInferenceOptions());
                VarianceScaled(embedder.Model, seed: 0);
                ModelWeights.SavePyTorch(embedder.Model, weights);
                var parameters = embedder.Model.parameters().Sum(p => p.numel());
                var (peer, ready) = PeerProcess.Start(Path.Combine(BenchPaths.ProjectDir, "peers", "teacher_peer.py"),
                    ["--model", name, "--weights", weights, "--threads", Str(threads), "--batch", Str(batch), "--size", Str(spec.InputSize)],
                    TimeSpan.FromMinutes(3));
                using var _ = peer;
                peerVersions ??= ready?.GetProperty("versions").GetString();
                var cosine = peer is null ? double.NaN : Agreement(embedder, peer, work, spec.InputSize);

                var per = 3 * spec.InputSize * spec.InputSize;
                var input = new float[batch * per];
                var random = new Random(0);
                for (var i = 0; i < input.Length; i++) input[i] = (float)((random.NextDouble() * 2) - 1);
                var outputBuffer = new float[batch * embedder.EmbeddingSize];
                var ours = new List<double>();
                var theirs = new List<double>();
                // Warm-up: one batch each (allocator, JIT, oneDNN primitive caches), not timed.
                embedder.Embed(input, batch, outputBuffer);
                peer?.Ask("run 1", TimeSpan.FromMinutes(5));
                for (var r = 0; r < rounds; r++)
                {
                    for (var b = 0; b < perRound; b++)
                    {
                        var clock = Stopwatch.StartNew();
                        embedder.Embed(input, batch, outputBuffer);
                        ours.Add(clock.Elapsed.TotalSeconds);
                    }

                    if (peer?.Ask($"run {perRound}", TimeSpan.FromMinutes(10)) is { } answer)
                        theirs.AddRange(answer.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()));
                    Console.WriteLine($"teacher {name} round {r + 1}/{rounds}: C# median {batch / Median(ours):F1} img/s, PyTorch {(theirs.Count > 0 ? (batch / Median(theirs)).ToString("F1", CultureInfo.InvariantCulture) : "n/a")} img/s");
                }

                rows.Add(new Row(name, parameters, batch, batch / Median(ours), theirs.Count > 0 ? batch / Median(theirs) : double.NaN, ours.Count, theirs.Count, cosine));
                File.Delete(weights);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        WriteMarkdown(output, rows, threads, rounds, loadBefore, LoadAverage(), peerVersions);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>
    /// Seeded random weights that keep activations finite: arcface_torch's init (conv weights N(0, 0.1)) is meant for
    /// training with batch statistics; in eval mode with fresh running statistics IResNet-100's activations overflow
    /// to inf/NaN. Every conv/linear weight becomes N(0, 1/fan_in), so both sides time ordinary finite arithmetic.
    /// </summary>
    internal static void VarianceScaled(TorchSharp.torch.nn.Module model, int seed)
    {
        TorchSharp.torch.manual_seed(seed);
        using var _ = TorchSharp.torch.no_grad();
        foreach (var (_, p) in model.named_parameters())
        {
            if (p.dim() < 2) continue;
            var fanIn = p.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            p.normal_(0, 1 / Math.Sqrt(fanIn));
        }
    }

    /// <summary>Cosine between our and PyTorch's embedding of one random image: proves both run the same weights.</summary>
    private static double Agreement(TorchFaceEmbedder embedder, PeerProcess peer, string work, int size)
    {
        var image = new float[3 * size * size];
        var random = new Random(7);
        for (var i = 0; i < image.Length; i++) image[i] = (float)((random.NextDouble() * 2) - 1);
        var file = Path.Combine(work, "check.f32");
        using (var w = new BinaryWriter(File.Create(file)))
            foreach (var v in image) w.Write(v);
        var ours = new float[embedder.EmbeddingSize];
        embedder.Embed(image, 1, ours);
        var answer = peer.Ask("check " + file, TimeSpan.FromMinutes(2));
        if (answer is null) return double.NaN;
        var theirs = answer.Value.GetProperty("embedding").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double dot = 0, a = 0, b = 0;
        for (var i = 0; i < ours.Length; i++)
        {
            dot += ours[i] * theirs[i];
            a += (double)ours[i] * ours[i];
            b += theirs[i] * theirs[i];
        }

        return dot / Math.Sqrt(a * b);
    }

    internal static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static void WriteMarkdown(string path, List<Row> rows, int threads, int rounds, string loadBefore, string loadAfter, string? peerVersions)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Teacher inference throughput: TorchSharp (FairKd) vs PyTorch");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} logical cores; load average {loadBefore} at start, {loadAfter} at the end (the cores are shared with other jobs: rates are lower bounds and noisy)");
        sb.AppendLine(inv, $"- C#: .NET {Environment.Version}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, `TorchFaceEmbedder.Embed` (eval, inference mode, dispose scope per batch, float32 copy in and out), torch.set_num_threads({threads})");
        sb.AppendLine(inv, $"- Peer: `peers/teacher_peer.py` ({peerVersions ?? "not run"}): the arcface_torch IResNet of tests/golden/models/generate.py, eval + inference_mode");
        sb.AppendLine(inv, $"- Workload: random weights saved by C# (`ModelWeights.SavePyTorch`) and loaded by PyTorch with strict=True; 112x112 input, one warm-up batch per side, then {rounds} interleaved rounds (C# K batches, PyTorch K batches); the rate is batch / median batch time");
        sb.AppendLine("- `cosine` = agreement of the two embeddings of one random image (same network and weights)");
        sb.AppendLine();
        sb.AppendLine("Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- teacher`");
        sb.AppendLine();
        sb.AppendLine("| model | parameters | batch | C# img/s | PyTorch img/s | C#/PyTorch | batches timed (C#/PyTorch) | cosine |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(inv, $"| {r.Model} | {r.Parameters:N0} | {r.Batch} | {r.CSharpRate:F2} | {F(r.PeerRate)} | {F(r.CSharpRate / r.PeerRate)} | {r.CSharpBatches}/{r.PeerBatches} | {(double.IsFinite(r.Cosine) ? r.Cosine.ToString("F6", inv) : "n/a")} |");
        sb.AppendLine();
        sb.AppendLine("Goal: C#/PyTorch >= 1.00.");
        File.WriteAllText(path, sb.ToString());

        static string F(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
    }
}
