using System.Globalization;

#pragma warning disable CA1050 // the runtime looks the hook up as the global type StartupHook (documented contract)

/// <summary>
/// A .NET startup hook for the forced-GC stress runs: a background thread loops
/// <c>GC.Collect(); GC.WaitForPendingFinalizers(); Thread.Sleep(ms)</c> with
/// <c>ms = FAIRKD_GC_STRESS_MS</c> (default 1). Every object that has become unreachable is finalized within
/// milliseconds, so a TorchSharp temporary (a Scalar or Tensor whose only reference was dropped once its native
/// handle was read) is freed while LibTorch may still be reading it. Code that owns what it hands to native code
/// is unaffected. Enable with <c>DOTNET_STARTUP_HOOKS=/path/FairKd.GcStress.dll</c>.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before Main.</summary>
    public static void Initialize()
    {
        var ms = int.TryParse(Environment.GetEnvironmentVariable("FAIRKD_GC_STRESS_MS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : 1;
        var thread = new Thread(() =>
        {
            while (true)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(ms);
            }
        })
        {
            IsBackground = true,
            Name = "fairkd-gc-stress",
        };
        thread.Start();
    }
}
