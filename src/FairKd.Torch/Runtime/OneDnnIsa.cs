using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FairKd.Core.Runtime;

namespace FairKd.Torch.Runtime;

/// <summary>
/// Which instruction set oneDNN (LibTorch's CPU convolution library) may use, decided once per process before its first
/// primitive. On an AMD EPYC family 26 (Zen 5) host oneDNN 3.7.1's AVX-512 kernels computed wrong convolution input
/// gradients (relative error 0.2-1.8 against float64, and different on every run with 2 threads), while the same
/// kernels capped at AVX2 matched float64 to 1e-4 (README "Numerics"; <c>fairkd doctor</c> finds this in a second).
/// So on a CPU with AVX-512 FairKd caps oneDNN at AVX2 unless told otherwise:
/// <list type="bullet">
/// <item><c>ONEDNN_MAX_CPU_ISA</c> (or <c>DNNL_MAX_CPU_ISA</c>) set by the user: respected as it is.</item>
/// <item><c>FAIRKD_ONEDNN_ISA=native</c>: no cap (after <c>FAIRKD_ONEDNN_ISA=native fairkd doctor</c> passed on this host).</item>
/// <item><c>FAIRKD_ONEDNN_ISA=auto</c> (default): AVX2 on AVX-512 CPUs, native elsewhere.</item>
/// </list>
/// The cap is set with libc <c>setenv</c> (oneDNN reads it with <c>getenv</c> when it creates its first primitive), so
/// <see cref="Apply"/> must run before any convolution: FairKd.Torch's module initializer, <c>fairkd</c>'s Main and the
/// test assemblies call it.
/// </summary>
public static class OneDnnIsa
{
    /// <summary>FairKd's policy variable: auto (default), native, or an ISA name passed to oneDNN as is (e.g. avx2).</summary>
    public const string PolicyVariable = "FAIRKD_ONEDNN_ISA";

    private static readonly Lock Gate = new();
    private static string? decision;

    /// <summary>What <see cref="Apply"/> decided, e.g. "AVX2 (FairKd default on an AVX-512 CPU)"; null before it ran.</summary>
    public static string? Decision
    {
        get
        {
            lock (Gate) return decision;
        }
    }

    /// <summary>The ISA cap in force for oneDNN ("" = none).</summary>
    public static string EffectiveCap => Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? NativeGetEnv("ONEDNN_MAX_CPU_ISA") ??
        Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "";

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before LibTorch creates its first oneDNN primitive")]
    internal static void Initialize() => Apply();

    /// <summary>Applies the policy once per process (later calls return the first decision).</summary>
    public static string Apply()
    {
        lock (Gate)
        {
            if (decision is not null) return decision;
            decision = Decide();
            return decision;
        }
    }

    private static string Decide()
    {
        var user = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
        if (!string.IsNullOrEmpty(user)) return $"{user} (ONEDNN_MAX_CPU_ISA set by the user)";
        var policy = (Environment.GetEnvironmentVariable(PolicyVariable) ?? "auto").Trim();
        if (policy.Equals("native", StringComparison.OrdinalIgnoreCase)) return $"native ({PolicyVariable}=native)";
        if (!policy.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            SetNative("ONEDNN_MAX_CPU_ISA", policy.ToUpperInvariant());
            return $"{policy.ToUpperInvariant()} ({PolicyVariable}={policy})";
        }

        if (!HostInfo.Current().HasAvx512) return "native (no AVX-512 on this CPU)";
        SetNative("ONEDNN_MAX_CPU_ISA", "AVX2");
        return $"AVX2 (FairKd default on an AVX-512 CPU; {PolicyVariable}=native lifts it, see README Numerics)";
    }

    private static void SetNative(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value); // the managed view (child processes inherit it)
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _ = NativeMethods.SetEnv(name, value, 1); // the C environment oneDNN reads
    }

    private static string? NativeGetEnv(string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        var p = NativeMethods.GetEnv(name);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "setenv")]
        public static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

        [DllImport("libc", EntryPoint = "getenv")]
        public static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    }
}
