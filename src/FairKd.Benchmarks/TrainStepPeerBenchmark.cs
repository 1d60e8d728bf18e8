using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FairKd.Core.Records;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;
using FairKd.Torch.Train;
using TorchSharp;

namespace FairKd.Benchmarks;

/// <summary>
/// The training step of `fairkd train` against PyTorch's, side by side (issue 15 item 4): the same network (IResNet-34,
/// MobileFaceNet at full width), batch, 112x112 input, ArcFace margin head, SGD with momentum and weight decay, gradient
/// clipping, and intra-op thread count. FairKd: <see cref="Trainer.Step"/> (forward, loss, backward, clip, GC-safe SGD
/// step). PyTorch: peers/train_step_peer.py (Debian's python3-torch, the arcface_torch networks of tests/golden/models).
/// Rounds alternate FairKd and PyTorch so machine load affects both alike. Writes results/train-peer.md.
/// usage: train-peer [--models mobilefacenet,iresnet34] [--steps K] [--rounds R] [--threads N] [--split] [--fairkd-only]
/// --split adds a table of the median phase times (forward with loss, backward, clip, optimizer) of both sides;
/// --fairkd-only runs FairKd's steps alone (for an external profiler such as perf) and writes no results file.
/// </summary>
internal static class TrainStepPeerBenchmark
{
    private const int Batch = 32;
    private const int Classes = 1000;

    public static int Run(string[] args)
    {
        var models = new[] { "mobilefacenet", "iresnet34" };
        int steps = 3, rounds = 2, threads = Environment.ProcessorCount;
        bool split = false, fairkdOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": models = args[++i].Split(','); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--split": split = true; break;
                case "--fairkd-only": fairkdOnly = true; break;
                default:
                    Console.Error.WriteLine($"train-peer: unknown option {args[i]}");
                    return 2;
            }
        }

        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Console.Error.WriteLine("train-peer: /usr/bin/python3 is not installed (apt-get install python3-torch python3-numpy)");
            return 2;
        }

        torch.set_num_threads(threads);
        var load = BenchHost.LoadAverage();
        var (images, labels) = TrainBenchmark.SyntheticBatch(new Random(5), Batch, Classes);
        var keys = Enumerable.Range(0, Batch).Select(i => $"k{i}").ToArray();
        var work = Path.Combine(Path.GetTempPath(), $"fairkd-bench-train-peer-{Environment.ProcessId}");
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Training step: FairKd (TorchSharp) against PyTorch");
        md.AppendLine();
        md.AppendLine(inv, $"Machine: {Core.Runtime.HostInfo.Current().Summary}; load average at start {load}; .NET {Environment.Version}; TorchSharp 0.107.0 (LibTorch 2.10.0, oneDNN 3.7.1).");
        md.AppendLine();
        md.AppendLine(inv, $"Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- train-peer --steps {steps} --rounds {rounds} --threads {threads}` (112x112, batch {Batch}, {Classes} classes, ArcFace head s=64 m=0.5, SGD lr 0.1 momentum 0.9 weight decay 5e-4, gradient norm clipped at 5, {threads} intra-op threads on both sides; per round one warm-up step and {steps} timed steps per side, rounds alternate FairKd and PyTorch; median over all timed steps).");
        md.AppendLine();
        md.AppendLine("| model | FairKd s/step | PyTorch s/step | FairKd speed (PyTorch time / FairKd time) | steps timed per side | PyTorch |");
        md.AppendLine("|---|---|---|---|---|---|");
        var splitRows = new List<string>();
        try
        {
            foreach (var name in models)
            {
                var ours = new List<double>();
                var theirs = new List<double>();
                var ourPhases = new List<StepPhases>();
                var theirPhases = new List<double[]>();
                string? versions = null;
                for (var r = 0; r < rounds; r++)
                {
                    torch.manual_seed(3);
                    using (var backbone = ModelRegistry.Create(new ModelSpec(name)))
                    using (var header = LossRegistry.Create("arcface", 512, Classes))
                    using (var trainer = new Trainer(backbone, header, new TrainerOptions { OutputDir = Path.Combine(work, name), BatchSize = Batch, Epochs = 1, TensorBoard = false }))
                    {
                        for (var s = 0; s <= steps; s++)
                        {
                            var c = Stopwatch.StartNew();
                            trainer.Step(new TrainBatch(0, s, Batch, images, 112, labels, null, new bool[Batch], keys));
                            if (s == 0) continue;
                            ours.Add(c.Elapsed.TotalSeconds);
                            ourPhases.Add(trainer.LastStepPhases!);
                        }
                    }

                    if (fairkdOnly)
                    {
                        Console.WriteLine(string.Create(inv, $"train-peer {name} round {r + 1}: FairKd {Median(ours):F3} s/step"));
                        continue;
                    }

                    var (peerSeconds, peerVersions, peerPhases) = Peer(python, name, threads, steps, split);
                    theirs.AddRange(peerSeconds);
                    theirPhases.AddRange(peerPhases);
                    versions = peerVersions;
                    Console.WriteLine(string.Create(inv, $"train-peer {name} round {r + 1}: FairKd {Median(ours):F3} s/step, PyTorch {Median(theirs):F3} s/step"));
                }

                if (split)
                {
                    var o = PhaseMedians(ourPhases.Select(p => new[] { p.Forward.TotalSeconds, p.Backward.TotalSeconds, p.Clip.TotalSeconds, p.Optimizer.TotalSeconds }).ToList());
                    var t = PhaseMedians(theirPhases);
                    splitRows.Add(string.Create(inv, $"| {name} | FairKd | {o[0]:F3} | {o[1]:F3} | {o[2]:F3} | {o[3]:F3} |"));
                    splitRows.Add(string.Create(inv, $"| {name} | PyTorch | {t[0]:F3} | {t[1]:F3} | {t[2]:F3} | {t[3]:F3} |"));
                    foreach (var row in splitRows.TakeLast(2)) Console.WriteLine(row);
                }

                if (fairkdOnly) continue;
                double mo = Median(ours), mt = Median(theirs);
                md.AppendLine(inv, $"| {name} | {mo:F3} | {mt:F3} | {mt / mo:F2} | {ours.Count} | {versions} |");
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }

        if (fairkdOnly) return 0;
        if (splitRows.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Split (median seconds per phase over the timed steps; forward includes the header, the loss and reading it, backward includes zero_grad):");
            md.AppendLine();
            md.AppendLine("| model | side | forward | backward | clip | optimizer |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var row in splitRows) md.AppendLine(row);
        }

        md.AppendLine();
        md.AppendLine("FairKd speed >= 1.00 means FairKd's step is at least as fast as PyTorch's on the same work (goal). Both sides run the same");
        md.AppendLine("networks (FairKd's C# models are golden-tested against these PyTorch definitions) and the same head type; the PyTorch head is");
        md.AppendLine("written in the peer (arcface_torch's ArcFace: cos(theta + m) on the target logit). FairKd's step also runs its GC-safe");
        md.AppendLine("BatchNorm/PReLU/SGD (README \"Numerics\") and its NaN guard; the data pipeline is not in either number.");
        var path = Path.Combine(BenchPaths.ProjectDir, "results", "train-peer.md");
        Core.IO.AtomicFile.WriteAllText(path, md.ToString());
        Console.Write(md);
        return 0;
    }

    private static double[] PhaseMedians(List<double[]> phases) =>
        [.. Enumerable.Range(0, 4).Select(k => Median([.. phases.Select(p => p[k])]))];

    private static (List<double> Seconds, string Versions, List<double[]> Phases) Peer(string python, string model, int threads, int steps, bool split)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(BenchPaths.ProjectDir, "peers", "train_step_peer.py"), "--model", model, "--threads", threads.ToString(CultureInfo.InvariantCulture),
                     "--batch", Batch.ToString(CultureInfo.InvariantCulture), "--classes", Classes.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        if (split) psi.ArgumentList.Add("--split");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the PyTorch peer");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"train_step_peer.py exited {p.ExitCode}: {stderr.Result}");
        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var phases = doc.RootElement.TryGetProperty("split", out var sp)
            ? sp.EnumerateArray().Select(e => new[] { e.GetProperty("forward").GetDouble(), e.GetProperty("backward").GetDouble(), e.GetProperty("clip").GetDouble(), e.GetProperty("optimizer").GetDouble() }).ToList()
            : [];
        return ([.. doc.RootElement.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble())], doc.RootElement.GetProperty("versions").GetString() ?? "", phases);
    }

    private static double Median(List<double> v) => v.Count == 0 ? double.NaN : ScaleProbe.Median(v);
}
