using System.Collections.Concurrent;
using TorchSharp;

namespace FairKd.Torch.Interop;

/// <summary>
/// Owned <see cref="Scalar"/>s for every number FairKd hands to LibTorch (see README.md in this folder).
/// TorchSharp 0.107 turns a .NET number into a finalizable <see cref="Scalar"/> and passes only its raw handle to
/// LibTorch; once the handle is read the temporary is unreachable, and a garbage collection during the native call
/// lets the finalizer free it while LibTorch reads it (garbage tags, or another Scalar's value: NaN some steps later).
/// The Scalars here are created once per distinct value and kept for the life of the process, so they are always
/// reachable. Use them for constants and configuration values (margins, lambdas, learning rates: a handful of
/// distinct values per run). A value that changes at every call (a per-batch statistic) belongs in a tensor, or in a
/// <c>using var s = v.ToScalar();</c> that outlives the call.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Doubles = new();
    private static readonly ConcurrentDictionary<long, Scalar> Longs = new();

    /// <summary>The integer 1 (the alpha TorchSharp's one-argument <c>add</c>/<c>sub</c> would create as a temporary).</summary>
    public static Scalar One { get; } = Long(1);

    /// <summary>A float64 Scalar holding <paramref name="value"/>, owned by this cache (bit-exact: -0.0 and 0.0 are distinct).</summary>
    public static Scalar Of(double value) => Doubles.GetOrAdd(BitConverter.DoubleToInt64Bits(value), static bits => BitConverter.Int64BitsToDouble(bits).ToScalar());

    /// <summary>An int64 Scalar holding <paramref name="value"/> (for integer tensors and integer alphas), owned by this cache.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Named after the int64 (C# long) Scalar it returns, beside Of(double); callers read Scalars.Long(2) as LibTorch's integer scalar.")]
    public static Scalar Long(long value) => Longs.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>How many distinct Scalars are held (a run that keeps growing this is passing per-call values: a bug).</summary>
    public static int Count => Doubles.Count + Longs.Count;
}
