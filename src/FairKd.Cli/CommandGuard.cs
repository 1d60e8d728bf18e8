using FairKd.Core;
using FairKd.Core.Pipeline;

namespace FairKd.Cli;

/// <summary>
/// Runs a command body and turns its outcome into an exit code and one clear line on stderr.
/// Bad arguments/configuration (<see cref="UsageException"/>, <see cref="ArgumentException"/>) exit 2; any other
/// failure exits 1; Ctrl+C exits 130. Stack traces only with --verbose.
/// </summary>
internal static class CommandGuard
{
    private static int _started;

    /// <summary>True once a command body has begun (distinguishes our failures from Cocona's parse errors).</summary>
    public static bool CommandStarted => Volatile.Read(ref _started) != 0;

    public static async Task<int> RunAsync(bool verbose, Func<CancellationToken, Task<int>> body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        Interlocked.Exchange(ref _started, 1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, ShutdownSignals.Token);
        try
        {
            return await body(linked.Token);
        }
        catch (Exception ex)
        {
            return Report(ex, verbose, linked.Token);
        }
    }

    internal static int Report(Exception ex, bool verbose, CancellationToken ct)
    {
        var root = ex is PipelineStageException { InnerException: { } inner } ? inner : ex;
        switch (root)
        {
            case UsageException or ArgumentException or FileNotFoundException or DirectoryNotFoundException:
                Console.Error.WriteLine($"error: {root.Message}");
                if (verbose) Console.Error.WriteLine(ex);
                return ExitCodes.Usage;
            case OperationCanceledException when ct.IsCancellationRequested:
                Console.Error.WriteLine("interrupted: outputs written so far are complete; rerun the same command to resume.");
                return ExitCodes.Interrupted;
            default:
                var where = ex is PipelineStageException pse ? $" (stage {pse.Stage})" : "";
                Console.Error.WriteLine($"error{where}: {root.Message}");
                Console.Error.WriteLine(verbose ? ex.ToString() : "(run again with --verbose for details)");
                return ExitCodes.Failed;
        }
    }
}
