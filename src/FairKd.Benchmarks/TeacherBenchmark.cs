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
/// PyTorch with strict=True and checked by comparing one embedding) and the same intra-op thread count. Four sides per
/// round: C# as `fairkd embed` runs it (fused inference form), C# unfused, PyTorch eager (as the study's code runs the
/// teacher), PyTorch with its own equivalent rewrite (torch.fx conv+BN fuse, channels_last). Interleaved rounds of a
/// few batches each; the per-batch medians give images/s. Writes results/teacher.md.
/// usage: teacher [--models iresnet34,iresnet100] [--batch 32] [--rounds 3] [--batches K] [--threads N] [--out FILE]
/// </summary>
internal static class TeacherBenchmark
{
    private sealed record Row(string Model, long Parameters, int Batch, double CSharpRate, double CSharpUnfusedRate, double PeerRate, double PeerFusedRate,
        int CSharpBatches, int PeerBatches, double Cosine);

    private static double RateOf(List<double> seconds, int batch) => seconds.Count > 0 ? batch / Median(seconds) : double.NaN;

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

        var loadBefore = BenchHost.LoadAverage();
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
                // Slow teachers (r100 batch 32: ~4 s on 2 cores) get fewer batches per round.
                var perRound = batches ?? (name is "iresnet100" or "iresnet200" ? 2 : 3);
                var weights = Path.Combine(work, name + ".pth");
                var model = ModelRegistry.Create(spec);
                VarianceScaled(model, seed: 0);
                ModelWeights.SavePyTorch(model, weights);
                var parameters = model.ParameterCount();
                // What `fairkd embed` runs (the fused inference form, the default) and the network as loaded.
                using var embedder = new TorchFaceEmbedder(model, new TorchInferenceOptions());
                using var unfused = TorchFaceEmbedder.Create(spec, weights, new TorchInferenceOptions(Fuse: false));
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
                var oursUnfused = new List<double>();
                var theirs = new List<double>();
                var theirsFused = new List<double>();
                // Warm-up: one batch each (allocator, JIT, oneDNN primitive caches), not timed.
                embedder.Embed(input, batch, outputBuffer);
                unfused.Embed(input, batch, outputBuffer);
                peer?.Ask("run 1", TimeSpan.FromMinutes(5));
                peer?.Ask("runfused 1", TimeSpan.FromMinutes(5));
                for (var r = 0; r < rounds; r++)
                {
                    Time(embedder, ours);
                    Time(unfused, oursUnfused);
                    if (peer?.Ask($"run {perRound}", TimeSpan.FromMinutes(10)) is { } answer)
                        theirs.AddRange(answer.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()));
                    if (peer?.Ask($"runfused {perRound}", TimeSpan.FromMinutes(10)) is { } fusedAnswer)
                        theirsFused.AddRange(fusedAnswer.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()));
                    Console.WriteLine($"teacher {name} round {r + 1}/{rounds}: C# {Rate(ours)} img/s (unfused {Rate(oursUnfused)}), PyTorch {Rate(theirs)} img/s (fused+channels_last {Rate(theirsFused)})");
                }

                rows.Add(new Row(name, parameters, batch, batch / Median(ours), batch / Median(oursUnfused), RateOf(theirs, batch), RateOf(theirsFused, batch),
                    ours.Count, theirs.Count, cosine));

                void Time(TorchFaceEmbedder e, List<double> into)
                {
                    for (var b = 0; b < perRound; b++)
                    {
                        var clock = Stopwatch.StartNew();
                        e.Embed(input, batch, outputBuffer);
                        into.Add(clock.Elapsed.TotalSeconds);
                    }
                }

                string Rate(List<double> seconds) => seconds.Count > 0 ? (batch / Median(seconds)).ToString("F1", CultureInfo.InvariantCulture) : "n/a";
                File.Delete(weights);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        WriteMarkdown(output, rows, threads, rounds, loadBefore, BenchHost.LoadAverage(), peerVersions);
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

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static void WriteMarkdown(string path, List<Row> rows, int threads, int rounds, string loadBefore, string loadAfter, string? peerVersions)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Teacher inference throughput: TorchSharp (FairKd) vs PyTorch");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(inv, $"- Machine: {Environment.ProcessorCount} logical cores; load average {loadBefore} at start, {loadAfter} at the end (the cores are shared with other jobs: rates are lower bounds and noisy)");
        sb.AppendLine(inv, $"- C#: .NET {Environment.Version}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, `TorchFaceEmbedder.Embed` (eval, inference mode, dispose scope per batch, float32 copy in and out), torch.set_num_threads({threads}). `C#` runs what `fairkd embed` runs: the fused inference form (`FaceBackbone.FuseForInference`: BatchNorm folded into the conv/linear before it, channels-last weights and activations); `C# unfused` runs the module as loaded (`TorchInferenceOptions(Fuse: false)`)");
        sb.AppendLine(inv, $"- Peer: `peers/teacher_peer.py` ({peerVersions ?? "not run"}): the arcface_torch IResNet of tests/golden/models/generate.py, eval + inference_mode; `PyTorch` is eager (how the study's code runs its teacher), `PyTorch fused` is PyTorch's own equivalent rewrite (torch.fx `fuse` + channels_last)");
        sb.AppendLine(inv, $"- Workload: random weights saved by C# (`ModelWeights.SavePyTorch`) and loaded by PyTorch with strict=True; 112x112 input, one warm-up batch per side, then {rounds} interleaved rounds (each side K batches in turn); the rate is batch / median batch time");
        sb.AppendLine("- `cosine` = agreement of the C# (fused) and PyTorch (eager) embeddings of one random image (same network and weights)");
        sb.AppendLine();
        sb.AppendLine("Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- teacher`");
        sb.AppendLine();
        sb.AppendLine("| model | parameters | batch | C# img/s | C# unfused img/s | PyTorch img/s | PyTorch fused img/s | C#/PyTorch | C# unfused/PyTorch | C#/PyTorch fused | batches per side | cosine |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(inv, $"| {r.Model} | {r.Parameters:N0} | {r.Batch} | {r.CSharpRate:F2} | {r.CSharpUnfusedRate:F2} | {F(r.PeerRate)} | {F(r.PeerFusedRate)} | {F(r.CSharpRate / r.PeerRate)} | {F(r.CSharpUnfusedRate / r.PeerRate)} | {F(r.CSharpRate / r.PeerFusedRate)} | {r.CSharpBatches}/{r.PeerBatches} | {(double.IsFinite(r.Cosine) ? r.Cosine.ToString("F6", inv) : "n/a")} |");
        sb.AppendLine();
        sb.AppendLine("Goal (issue 3): C#/PyTorch >= 1.00, i.e. `fairkd embed`'s teacher against PyTorch running the same network and weights as the study's code does. The last ratio column compares with PyTorch given the same inference rewrite.");
        Core.IO.AtomicFile.WriteAllText(path, sb.ToString());

        static string F(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
    }
}
