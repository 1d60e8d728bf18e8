using System.Runtime.InteropServices;

namespace FairKd.Cli;

/// <summary>
/// SIGTERM (what `kill`, Slurm's scancel and Kubernetes send before SIGKILL) cancels the running command exactly like
/// Ctrl+C: stages stop, training writes its checkpoint, the process exits 130 and a rerun resumes. Without this the
/// .NET host would hold SIGTERM until the command finished on its own.
/// </summary>
internal static class ShutdownSignals
{
    private static readonly CancellationTokenSource Source = new();
    private static PosixSignalRegistration? _term;

    /// <summary>Cancelled when SIGTERM arrives.</summary>
    public static CancellationToken Token => Source.Token;

    public static void Install()
    {
        if (_term is not null || OperatingSystem.IsWindows()) return;
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            Source.Cancel();
        });
    }

    /// <summary>Asks process <paramref name="pid"/> to stop gracefully (SIGTERM); false when the signal could not be sent.</summary>
    public static bool Terminate(int pid) => !OperatingSystem.IsWindows() && NativeMethods.Kill(pid, 15) == 0;

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        internal static extern int Kill(int pid, int signal);
    }
}
