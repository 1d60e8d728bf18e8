using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FairKd.Benchmarks;

/// <summary>
/// Runs the built `fairkd` command from a benchmark and reads the images/s it prints in its closing line. Not the first
/// "img/s" of its output: when stdout is not a terminal the commands also print progress lines ("eval: 32/120 img (26%),
/// 24 img/s, ..."), whose running average covers only the start of the run.
/// </summary>
internal static partial class FairkdCli
{
    /// <summary>The fairkd executable of this build configuration (src/FairKd.Cli/bin/CONFIG/net10.0/linux-x64/fairkd).</summary>
    public static string DefaultPath()
    {
        var config = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        return Path.Combine(Path.GetDirectoryName(BenchPaths.ProjectDir)!, "FairKd.Cli", "bin", config, "net10.0", "linux-x64", "fairkd");
    }

    /// <summary>Runs `fairkd ARGS` (args[0] is eval or embed) and returns the rate of its closing line; a failure throws
    /// with its output. <paramref name="onLine"/> sees each stdout line as it is printed, with the child's process id
    /// (to sample the running process at a given point of its output).</summary>
    public static double Rate(string fairkd, string[] args, Action<int, string>? onLine = null)
    {
        var psi = new ProcessStartInfo(fairkd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stdout.AppendLine(e.Data);
            onLine?.Invoke(p.Id, e.Data);
        };
        if (!p.Start()) throw new InvalidOperationException("cannot start " + fairkd);
        var stderr = p.StandardError.ReadToEndAsync();
        p.BeginOutputReadLine();
        p.WaitForExit();
        var text = stdout.ToString();
        if (p.ExitCode != 0) throw new InvalidOperationException($"fairkd {args[0]} exited {p.ExitCode}:\n{text}\n{stderr.Result}");
        return args[0] == "eval" ? Parse(EvalLine(), text, "eval") : Parse(EmbedLine(), text, args[0]);
    }

    /// <summary>True for the closing line of `fairkd eval` or `fairkd embed` (the one that holds the run's img/s).</summary>
    public static bool IsClosingLine(string line) => EvalLine().IsMatch(line) || EmbedLine().IsMatch(line);

    /// <summary>`fairkd embed`'s closing rate in its output ("... in S s, X img/s (teacher NAME); cache in DIR").</summary>
    public static double EmbedRate(string stdout) => Parse(EmbedLine(), stdout, "embed");

    /// <summary>CPU seconds (user + system) of this process, or of its finished (reaped) children, from /proc/self/stat
    /// (clock ticks of 1/100 s, Linux's USER_HZ); NaN elsewhere.</summary>
    public static double CpuSeconds(bool children)
    {
        if (!File.Exists("/proc/self/stat")) return double.NaN;
        var text = File.ReadAllText("/proc/self/stat");
        var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var (a, b) = children ? (13, 14) : (11, 12);
        return (long.Parse(f[a], CultureInfo.InvariantCulture) + long.Parse(f[b], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static double Parse(Regex line, string stdout, string command)
    {
        var m = line.Match(stdout);
        if (!m.Success) throw new InvalidOperationException($"fairkd {command} printed no closing img/s line:\n{stdout}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"embedded [0-9]+ images \(\+ mirrors\) at ([0-9]+(?:\.[0-9]+)?) img/s")]
    private static partial Regex EvalLine();

    [GeneratedRegex(@" s, ([0-9]+(?:\.[0-9]+)?) img/s \(teacher ")]
    private static partial Regex EmbedLine();
}
