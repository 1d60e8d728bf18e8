using System.Runtime.InteropServices;

namespace FairKd.Torch.Interop;

/// <summary>
/// How LibTorch's CPU tensor memory comes from the kernel (README.md in this folder, "Tensor memory"). LibTorch allocates
/// every CPU tensor with glibc's <c>posix_memalign</c>; glibc serves blocks above its mmap threshold (at most 32 MB, e.g.
/// one 32x128x56x56 float activation of MobileFaceNet) with a fresh <c>mmap</c> and gives them back with <c>munmap</c>
/// when freed, and returns the freed top of its heap to the kernel too. A training step frees and re-allocates the
/// same few gigabytes at every step, so every step re-faults them page by page (4 KB each, zero-filled by the
/// kernel): on the 2-vCPU development VM 1.55 million page faults for a warm-up and two MobileFaceNet steps, about
/// half the step's time, most of it in the convolutions' backward-data and the layout reorders that write fresh
/// tensors. Two settings, both on by default:
/// <list type="bullet">
/// <item><see cref="Apply"/> (process-wide, before LibTorch's first allocation): LibTorch's own transparent-huge-page
/// option (<c>THP_MEM_ALLOC_ENABLE=1</c>: blocks of 2 MB or more are 2 MB-aligned and advised as huge pages), so a fresh
/// block faults once per 2 MB instead of once per 4 KB.</item>
/// <item><see cref="RetainFreedMemory"/> (when a <see cref="Train.Trainer"/> is built): glibc keeps freed blocks for
/// reuse instead of returning them (<c>mallopt</c>: no mmap, no heap trimming, one arena for the threads that have
/// none yet), so after the first step a step reuses the previous step's memory. The process then keeps its peak step
/// memory, as PyTorch's caching allocators do.</item>
/// </list>
/// Neither changes what is computed (placement only). <c>FAIRKD_MALLOC=system</c> leaves both alone (glibc's and
/// LibTorch's defaults); a <c>THP_MEM_ALLOC_ENABLE</c> set by the user is respected.
/// </summary>
public static class TensorMemory
{
    /// <summary>The opt-out variable: <c>system</c> leaves glibc's and LibTorch's allocation defaults alone.</summary>
    public const string PolicyVariable = "FAIRKD_MALLOC";

    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;
    private const int MArenaMax = -8;

    private static readonly Lock Gate = new();
    private static string? hugePages;
    private static string? retained;

    /// <summary>Whether FairKd's allocation policy is on (not <c>FAIRKD_MALLOC=system</c>, and on Linux).</summary>
    public static bool Enabled => OperatingSystem.IsLinux() &&
        !(Environment.GetEnvironmentVariable(PolicyVariable) ?? "").Trim().Equals("system", StringComparison.OrdinalIgnoreCase);

    /// <summary>What was decided, e.g. "huge pages for tensors of 2 MB or more; freed memory retained (training)".</summary>
    public static string Decision
    {
        get
        {
            lock (Gate) return $"{hugePages ?? "not applied"}; {retained ?? "freed memory returned to the system (glibc default)"}";
        }
    }

    /// <summary>
    /// Turns on LibTorch's huge-page allocation for large tensors, once per process. Must run before LibTorch's first
    /// CPU allocation (LibTorch reads the variable once); FairKd.Torch's module initializer calls it.
    /// </summary>
    public static void Apply()
    {
        lock (Gate)
        {
            if (hugePages is not null) return;
            if (!Enabled)
            {
                hugePages = $"LibTorch's allocation defaults ({PolicyVariable}=system or not Linux)";
                return;
            }

            var user = Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE");
            if (user is not null)
            {
                hugePages = $"THP_MEM_ALLOC_ENABLE={user} (set by the user)";
                return;
            }

            // the C environment only (LibTorch reads it there): child processes, such as the PyTorch peers, keep their defaults
            hugePages = NativeMethods.SetEnv("THP_MEM_ALLOC_ENABLE", "1", 0) == 0
                ? "huge pages for tensors of 2 MB or more"
                : "huge pages not set (setenv failed)";
        }
    }

    /// <summary>
    /// Makes glibc keep freed memory for reuse (no mmap for large blocks, no trimming of the heap, no new arenas), once
    /// per process; called when a trainer is built, where the same allocations repeat at every step.
    /// </summary>
    public static void RetainFreedMemory()
    {
        lock (Gate)
        {
            if (retained is not null) return;
            if (!Enabled)
            {
                retained = $"freed memory returned to the system ({PolicyVariable}=system or not Linux)";
                return;
            }

            // one arena: threads that have none yet (a trainer's steps may run on any thread-pool thread) share the
            // main one, so the retained memory is one step's peak, not one per thread
            var ok = NativeMethods.MallOpt(MArenaMax, 1) == 1;
            ok &= NativeMethods.MallOpt(MMmapMax, 0) == 1;
            ok &= NativeMethods.MallOpt(MTrimThreshold, int.MaxValue) == 1;
            retained = ok ? "freed memory retained for reuse (training)" : "freed memory: mallopt refused a setting";
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "setenv")]
        public static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

        [DllImport("libc", EntryPoint = "mallopt")]
        public static extern int MallOpt(int param, int value);
    }
}
