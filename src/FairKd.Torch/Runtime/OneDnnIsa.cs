using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FairKd.Core.Runtime;
using FairKd.Torch.Interop;

namespace FairKd.Torch.Runtime;

/// <summary>
/// How LibTorch's CPU convolution library (oneDNN) is used, decided per process and per model (README "Numerics").
/// On the AMD EPYC family 26 (Zen 5) development VM, oneDNN 3.7.1 computed wrong convolution gradients whenever a
/// convolution's channels were not whole channel blocks (16 for its AVX-512 kernels, 8 for AVX2). The cause: the VM's
/// CPUID hides the cache sizes and oneDNN sized its kernels for 1-byte caches; <see cref="OneDnnCpuCaches"/> corrects
/// that before oneDNN's first primitive, and <c>fairkd doctor</c> checks the result in seconds. Two controls:
/// <list type="bullet">
/// <item><see cref="UseForTraining"/>: oneDNN computes every convolution when its cache view is sound (or corrected);
/// when it is degenerate and could not be corrected, only models whose convolutions are all whole 16-channel blocks
/// keep oneDNN, the rest run on ATen's own convolution.</item>
/// <item>The instruction-set cap: <c>ONEDNN_MAX_CPU_ISA</c> set by the user is respected; <c>FAIRKD_ONEDNN_ISA=avx2</c>
/// (or another oneDNN ISA name) sets it for FairKd's processes; <c>auto</c> (default) leaves oneDNN its widest ISA;
/// <c>native</c> also keeps oneDNN on for every model. The cap is set with libc <c>setenv</c> before oneDNN's first
/// primitive (FairKd.Torch's module initializer and the test assemblies call <see cref="Apply"/>; `fairkd` loads FairKd.Torch only for the commands that use LibTorch).</item>
/// </list>
/// </summary>
public static class OneDnnIsa
{
    /// <summary>FairKd's policy variable: auto (default), native, or an ISA name passed to oneDNN as its cap (e.g. avx2).</summary>
    public const string PolicyVariable = "FAIRKD_ONEDNN_ISA";

    private static readonly Lock Gate = new();
    private static string? decision;

    /// <summary>What <see cref="Apply"/> decided about the ISA cap, e.g. "widest (AVX-512 on this CPU)"; null before it ran.</summary>
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
            TensorMemory.Apply(); // before LibTorch's first allocation: it reads its huge-page option once
            _ = OneDnnCpuCaches.Apply(); // before oneDNN's first primitive: its kernels' blocking is fixed when they are created
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

        return HostInfo.Current().HasAvx512 ? "widest (AVX-512 on this CPU)" : "widest (no AVX-512 on this CPU)";
    }

    /// <summary>
    /// Whether LibTorch may run convolutions through oneDNN (<c>at::globalContext().setUserEnabledMkldnn</c>, PyTorch's
    /// <c>torch.backends.mkldnn.enabled</c>); checked by LibTorch at every convolution, so it can change at any time.
    /// When off, ATen's own convolution (im2col + GEMM) computes them.
    /// </summary>
    public static bool ConvolutionsEnabled
    {
        get => !OperatingSystem.IsLinux() || NativeMethods.UserEnabledMkldnn(NativeMethods.GlobalContext());
        set
        {
            if (!OperatingSystem.IsLinux()) return;
            NativeMethods.SetUserEnabledMkldnn(NativeMethods.GlobalContext(), value);
            // without oneDNN, ATen would try NNPACK first; NNPACK fails to initialise on CPUs its cpuinfo does not know
            // (the Zen 5 host: "Could not initialize NNPACK! Unsupported hardware", retried at every convolution)
            NativeMethods.SetUserEnabledNnpack(NativeMethods.GlobalContext(), false);
        }
    }

    /// <summary>
    /// oneDNN computes a convolution on channel blocks (16 channels for AVX-512, 8 for AVX2) and pads smaller or uneven
    /// channel counts up to a block. With a degenerate cache view (<see cref="OneDnnCpuCaches"/>) the backward pass of
    /// such padded convolutions was wrong at every ISA on the development VM, while whole blocks were right. So oneDNN
    /// computes every convolution when its cache view is sound or was corrected; otherwise only models whose
    /// convolutions all have whole 16-channel blocks (the 3-channel image input aside) keep oneDNN, and ATen's own
    /// convolution runs the others (the published networks have 64-512 channels; the tiny test widths do not).
    /// Returns the decision, e.g. "oneDNN convolutions on (oneDNN's cache sizes corrected to L1 48 KB, L2 1 MB, L3 1 MB)".
    /// </summary>
    public static string UseForTraining(TorchSharp.torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Apply();
        if ((Environment.GetEnvironmentVariable(PolicyVariable) ?? "").Equals("native", StringComparison.OrdinalIgnoreCase))
        {
            ConvolutionsEnabled = true;
            return $"oneDNN convolutions on ({PolicyVariable}=native)";
        }

        var caches = OneDnnCpuCaches.Apply();
        if (!caches.Degenerate)
        {
            ConvolutionsEnabled = true;
            return $"oneDNN convolutions on ({caches.Brief})";
        }

        foreach (var (name, m) in model.named_modules())
        {
            if (m is not TorchSharp.Modules.Conv2d conv) continue;
            var ins = conv.in_channels;
            var outs = conv.out_channels;
            if ((ins == 3 || ins % 16 == 0) && outs % 16 == 0) continue;
            ConvolutionsEnabled = false;
            return $"oneDNN convolutions off: {name} has {ins} -> {outs} channels (not whole 16-channel blocks) and {caches.Brief}";
        }

        ConvolutionsEnabled = true;
        return "oneDNN convolutions on (every convolution has whole 16-channel blocks)";
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

        // at::Context& at::globalContext(); bool at::Context::userEnabledMkldnn() const; void at::Context::setUserEnabledMkldnn(bool)
        // (x86-64 SysV: `this` is the first argument)
        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
        public static extern IntPtr GlobalContext();

        [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool UserEnabledMkldnn(IntPtr context);

        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
        public static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
        public static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);
    }
}
