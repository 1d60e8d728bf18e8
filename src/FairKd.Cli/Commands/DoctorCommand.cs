using System.Globalization;
using System.Text.Json;
using Cocona;
using FairKd.Core;
using FairKd.Core.Runtime;
using FairKd.Torch.Interop;
using FairKd.Torch.Models;
using FairKd.Torch.Runtime;
using TorchSharp;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd doctor`: the host record and a few-second check that this host computes training steps correctly.</summary>
internal sealed class DoctorCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    [Command("doctor", Description = "Print this host's record (CPU, vector ISA, caches, TorchSharp/LibTorch/oneDNN versions, threads) and check that it computes " +
        "a training step correctly: a forward/backward of the model twice under forced garbage collection (must be bit-identical) and against a float64 " +
        "recomputation (every gradient within --tolerance). Exit 0 when sound, 1 naming the failing layer.\n" +
        "  example: fairkd doctor --model iresnet18:width=0.125")]
    public Task<int> Doctor(
        [Option(Description = "model SPEC to check (NAME[:width=W,input=S,emb=D]); repeatable")] string[]? model = null,
        [Option("batch-size", Description = "images per checked batch")] int batchSize = 16,
        [Option(Description = "seed of the weights and the batch")] long seed = 1,
        [Option(Description = "TorchSharp intra-op threads (default: LibTorch's choice)")] int? threads = null,
        [Option("no-force-gc", Description = "do not force garbage collections during the float32 passes")] bool noForceGc = false,
        [Option(Description = "largest relative L2 error of a float32 gradient against float64")] double tolerance = 1e-2,
        [Option(Description = "also write the record and results as JSON to this file")] string? json = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, _ =>
        {
            var specs = (model is { Length: > 0 } ? model : ["iresnet18:width=0.125,input=32"]).Select(m => ModelSpecText.Parse(m)).ToList();
            if (batchSize < 2) throw new UsageException("--batch-size must be at least 2 (BatchNorm in training mode needs two samples)");
            if (!(tolerance > 0)) throw new UsageException("--tolerance must be positive");
            if (threads is { } t)
            {
                if (t < 1) throw new UsageException("--threads must be at least 1");
                torch.set_num_threads(t);
            }

            var host = HostInfo.Current();
            var runtime = TorchRuntimeInfo.Current();
            Console.WriteLine($"host: {host.Summary}");
            Console.WriteLine($"  vector ISA: {string.Join(' ', host.SimdFlags)}");
            Console.WriteLine($"  caches: {string.Join(", ", host.Caches)}");
            Console.WriteLine($"  {host.Os}; {host.Runtime}");
            Console.WriteLine($"torch: {runtime.Summary}");
            Console.WriteLine($"  oneDNN ISA: {OneDnnIsa.Decision ?? OneDnnIsa.Apply()}");
            Console.WriteLine($"  oneDNN caches: {OneDnnCpuCaches.Apply().Decision}");
            Console.WriteLine($"  tensor memory: {TensorMemory.Decision}");
            var results = new List<NumericsCheckResult>();
            var failed = false;
            foreach (var spec in specs)
            {
                var r = NumericsCheck.Run(new NumericsCheckOptions(spec, batchSize, seed, !noForceGc, tolerance));
                results.Add(r);
                var worst = r.Parameters.MaxBy(p => double.IsFinite(p.RelativeError) ? p.RelativeError : double.MaxValue);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"check {ModelSpecText.Format(spec)}, batch {batchSize}{(r.ForcedGc ? $", forced GC ({r.GcCollections} collections)" : "")}: " +
                    $"loss {r.LossFloat32:G9} / again {r.LossFloat32Again:G9} / float64 {r.LossFloat64:G9}; " +
                    $"{r.Parameters.Count} gradients, largest relative error {worst?.RelativeError:G3} ({worst?.Parameter}); {r.Seconds:F1} s"));
                Console.WriteLine($"  {r.Convolutions}");
                if (r.Passed)
                {
                    Console.WriteLine("  ok: repeatable bit for bit and within tolerance of float64");
                    continue;
                }

                failed = true;
                if (!r.Repeatable) Console.WriteLine($"  FAIL: the two float32 passes differ ({r.Parameters.Count(p => !p.Repeatable)} gradients): this host does not compute the same step twice");
                if (!r.MatchesFloat64) Console.WriteLine($"  FAIL: {r.Parameters.Count(p => !double.IsFinite(p.RelativeError) || p.RelativeError > tolerance)} gradients off float64 by more than {tolerance:G3}");
                Console.WriteLine($"  failing layer: {r.FailingLayer ?? "(the loss)"}");
                foreach (var p in r.Parameters.Where(p => !p.Repeatable || !double.IsFinite(p.RelativeError) || p.RelativeError > tolerance).Take(verbose ? int.MaxValue : 8))
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {p.Parameter}: relative error {p.RelativeError:G3}{(p.Repeatable ? "" : ", differs between the two passes")}"));
            }

            if (json is not null)
            {
                var text = JsonSerializer.Serialize(new { host, runtime, oneDnnCaches = OneDnnCpuCaches.Apply(), checks = results }, JsonOptions);
                FairKd.Core.IO.AtomicFile.WriteAllText(json, text);
            }

            if (failed)
                Console.WriteLine("hint: compare FAIRKD_ONEDNN_ISA=avx2 and FAIRKD_ONEDNN_ISA=native runs of this check to see whether oneDNN's kernels are the cause (README, Numerics)");
            return Task.FromResult(failed ? ExitCodes.Failed : ExitCodes.Success);
        }, CancellationToken.None);
}
