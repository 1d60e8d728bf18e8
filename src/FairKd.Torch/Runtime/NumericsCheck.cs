using System.Diagnostics;
using FairKd.Torch.Interop;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FairKd.Torch.Runtime;

/// <summary>What <see cref="NumericsCheck.Run"/> checks: a model, a batch, and whether to force garbage collections meanwhile.</summary>
/// <param name="Model">The network (tiny widths keep the float64 pass to seconds).</param>
/// <param name="BatchSize">Images per batch (BatchNorm needs at least 2).</param>
/// <param name="Seed">Seeds the weights, the batch and the header.</param>
/// <param name="ForceGc">Run a thread that forces GC + finalizers in a loop during both float32 passes.</param>
/// <param name="Tolerance">Largest accepted relative L2 error of a float32 gradient against the float64 one.</param>
public sealed record NumericsCheckOptions(ModelSpec Model, int BatchSize = 16, long Seed = 1, bool ForceGc = true, double Tolerance = 1e-2);

/// <summary>One parameter's float32 gradient against its float64 recomputation.</summary>
/// <param name="Parameter">state_dict name, e.g. layer2.0.conv1.weight.</param>
/// <param name="RelativeError">||g32 - g64|| / max(||g64||, 1e-4 ||whole float64 gradient||); NaN/Inf when g32 is not finite.</param>
/// <param name="Repeatable">The two float32 passes gave the same bits for this gradient.</param>
public sealed record ParameterCheck(string Parameter, double RelativeError, bool Repeatable);

/// <summary>The outcome: <see cref="Passed"/> when both float32 passes are bit-identical and every gradient is finite and within tolerance.</summary>
public sealed record NumericsCheckResult(string Model, int BatchSize, bool ForcedGc, double LossFloat32, double LossFloat32Again,
    double LossFloat64, IReadOnlyList<ParameterCheck> Parameters, double Tolerance, double Seconds, long GcCollections, string Convolutions)
{
    /// <summary>Both float32 passes gave the same loss and the same gradient bits.</summary>
    public bool Repeatable => LossFloat32.Equals(LossFloat32Again) && Parameters.All(p => p.Repeatable);

    /// <summary>Every float32 gradient is finite and within tolerance of float64, and the losses agree.</summary>
    public bool MatchesFloat64 => double.IsFinite(LossFloat32) && Math.Abs(LossFloat32 - LossFloat64) <= Tolerance * Math.Max(1, Math.Abs(LossFloat64)) &&
        Parameters.All(p => double.IsFinite(p.RelativeError) && p.RelativeError <= Tolerance);

    /// <summary>Repeatable and matching float64.</summary>
    public bool Passed => Repeatable && MatchesFloat64;

    /// <summary>
    /// The layer where the error enters: backward runs from the output to the input, so a wrong backward kernel corrupts
    /// its own layer's gradient and every one before it; the deepest failing parameter (last in forward order) is where
    /// it starts. Null when nothing failed.
    /// </summary>
    public string? FailingLayer => Parameters.LastOrDefault(p => !p.Repeatable || !double.IsFinite(p.RelativeError) || p.RelativeError > Tolerance)?.Parameter;
}

/// <summary>
/// A few-second check that this host computes training steps correctly: one forward/backward of the model (training
/// mode, ArcFace header, cross-entropy) in float32 twice, under forced garbage collection, compared bit for bit; then
/// the same step in float64 (a different kernel family: oneDNN has no float64 convolution, so ATen's reference
/// kernels compute it) as the reference for every parameter's gradient. Run by <c>fairkd doctor</c>.
/// </summary>
public static class NumericsCheck
{
    /// <summary>Runs the check (CPU).</summary>
    public static NumericsCheckResult Run(NumericsCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize < 2) throw new Core.UsageException("the numerics check needs a batch of at least 2 (BatchNorm in training mode)");
        var wall = Stopwatch.StartNew();
        var gc0 = GC.CollectionCount(0);
        using var outer = NewDisposeScope();
        random.manual_seed(options.Seed);
        using var model = ModelRegistry.Create(options.Model);
        var convolutions = OneDnnIsa.UseForTraining(model);
        var classes = Math.Max(2, options.BatchSize / 2);
        using var header = new ArcFaceHeader(options.Model.EmbeddingSize, classes, seed: options.Seed);
        using var generator = new Generator((ulong)options.Seed);
        var size = options.Model.InputSize;
        var x = randn([options.BatchSize, 3, size, size], generator: generator).DetachFromDisposeScope();
        var y = tensor(Enumerable.Range(0, options.BatchSize).Select(i => (long)(i % classes)).ToArray()).DetachFromDisposeScope();
        var names = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        var initial = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());

        (double Loss, Tensor[] Grads) Pass(ScalarType dtype)
        {
            using (no_grad())
            {
                foreach (var (k, v) in model.state_dict()) v.copy_(initial[k]); // same BatchNorm statistics every pass
            }

            model.to(dtype);
            header.to(dtype);
            model.train();
            header.train();
            model.zero_grad();
            header.zero_grad();
            using var scope = NewDisposeScope();
            var input = x.to(dtype);
            var raw = model.call(input);
            var f = nn.functional.normalize(raw, 2.0, 1, 1e-12);
            var loss = nn.functional.cross_entropy(header.call(f, header.InputNorms(raw, f), y), y);
            loss.backward();
            var grads = model.named_parameters().Where(p => p.parameter.requires_grad)
                .Select(p => p.parameter.grad is { } g ? g.to(float64).clone().DetachFromDisposeScope() : zeros(p.parameter.shape, float64).DetachFromDisposeScope())
                .ToArray();
            return (loss.to(float64).item<double>(), grads);
        }

        using var stress = options.ForceGc ? new GcStress() : null;
        var a = Pass(float32);
        var b = Pass(float32);
        stress?.Dispose();
        var d = Pass(float64);
        model.to(float32);
        header.to(float32);

        // A parameter right before a training-mode BatchNorm (a conv/linear bias, a BN shift feeding the next block's BN)
        // has a zero gradient in exact arithmetic, so its float32 value is pure rounding: its error is measured against a
        // floor of 1e-4 of the whole gradient's norm instead of its own (zero) norm.
        double total;
        using (NewDisposeScope()) total = Math.Sqrt(d.Grads.Sum(g => g.pow(Scalars.Long(2)).sum().item<double>()));
        var floor = 1e-4 * total;
        var checks = new List<ParameterCheck>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            using var scope = NewDisposeScope();
            var same = a.Grads[i].eq(b.Grads[i]).all().item<bool>();
            var refNorm = d.Grads[i].norm().item<double>();
            var err = a.Grads[i].sub(d.Grads[i]).norm().item<double>();
            checks.Add(new ParameterCheck(names[i], err / Math.Max(refNorm, floor), same));
        }

        foreach (var t in a.Grads.Concat(b.Grads).Concat(d.Grads).Concat(initial.Values)) t.Dispose();
        x.Dispose();
        y.Dispose();
        return new NumericsCheckResult(options.Model.Name, options.BatchSize, options.ForceGc, a.Loss, b.Loss, d.Loss, checks,
            options.Tolerance, wall.Elapsed.TotalSeconds, GC.CollectionCount(0) - gc0, convolutions);
    }
}

/// <summary>
/// Forces garbage collections and runs finalizers in a loop on a background thread until disposed: an unowned
/// TorchSharp temporary handed to LibTorch is then freed mid-call within milliseconds (src/FairKd.Torch/Interop/README.md).
/// Used by the numerics check and the stress tests; <c>tests/FairKd.GcStress</c> does the same as a startup hook.
/// </summary>
public sealed class GcStress : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;

    /// <summary>Starts the loop (a collection every <paramref name="pauseMs"/> ms).</summary>
    public GcStress(int pauseMs = 1)
    {
        thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Collections++;
                Thread.Sleep(pauseMs);
            }
        })
        {
            IsBackground = true,
            Name = "fairkd-gc-stress",
        };
        thread.Start();
    }

    /// <summary>Collections forced so far.</summary>
    public long Collections { get; private set; }

    /// <summary>Stops the loop and waits for the thread.</summary>
    public void Dispose()
    {
        if (stop.IsCancellationRequested) return;
        stop.Cancel();
        thread.Join();
        stop.Dispose();
    }
}
