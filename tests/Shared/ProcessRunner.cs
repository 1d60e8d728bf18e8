using System.Diagnostics;

namespace FairKd.Tests.Shared;

/// <summary>Runs a child process with a timeout and captures its output (for CLI and Python-peer tests).</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    public static Result Run(string fileName, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + fileName);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in time");
        }

        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the fairkd CLI without waiting (for kill and signal tests); output is drained in the background,
    /// stderr is returned as a task.</summary>
    public static (Process Process, Task<string> StdErr) StartFairkd(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "fairkd.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start fairkd");
        _ = p.StandardOutput.ReadToEndAsync();
        return (p, p.StandardError.ReadToEndAsync());
    }

    /// <summary>Sends SIGTERM to <paramref name="process"/> through libc (no `kill` binary needed: slim images lack procps).</summary>
    public static bool Terminate(Process process) => NativeMethods.Kill(process.Id, 15) == 0;

    private static class NativeMethods
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        internal static extern int Kill(int pid, int signal);
    }

    /// <summary>Runs the fairkd CLI (fairkd.dll beside the test binary) with `dotnet`.</summary>
    public static Result Fairkd(params string[] args) => FairkdWithTimeout(TimeSpan.FromMinutes(5), args);

    public static Result FairkdWithTimeout(TimeSpan timeout, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "fairkd.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("fairkd.dll is not beside the tests (reference FairKd.Cli)", dll);
        return Run("dotnet", [dll, .. args], timeout);
    }
}
