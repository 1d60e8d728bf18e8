using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FairKd.Benchmarks;

/// <summary>
/// One `fairkd eval` or `fairkd embed` run watched from outside: its printed (whole-run) rate, and its steady state from
/// the first progress line at or past 25 % to the closing line: images/s between the two (timed when the lines arrive)
/// and the CPU of each thread group in between (/proc samples at both lines, plus one every 100 ms so that threads that
/// end early, e.g. when the model is disposed right after the closing line, keep their last value). The window leaves
/// out start-up, model load and the warm-up of the first images (JIT compilation, ONNX Runtime's first runs), which a
/// long run amortises and the plain loop leaves out as well.
/// </summary>
internal sealed partial class CommandProfile
{
    private readonly Lock gate = new();
    private Dictionary<int, (string Name, double Seconds)> latest = [];
    private Dictionary<int, (string Name, double Seconds)>? start;
    private Dictionary<int, (string Name, double Seconds)>? end;
    private double startSeconds, endSeconds;
    private long startImages, endImages, total;

    private CommandProfile()
    {
    }

    /// <summary>The rate the command printed at the end (whole embedding phase).</summary>
    public double PrintedRate { get; private set; }

    /// <summary>Images/s in the steady window.</summary>
    public double SteadyRate => (endImages - startImages) / (endSeconds - startSeconds);

    /// <summary>Images in the steady window.</summary>
    public long SteadyImages => endImages - startImages;

    /// <summary>CPU seconds per thread group in the steady window.</summary>
    public Dictionary<string, double> SteadyCpu => ThreadCpu.Between(start!, end!);

    /// <summary>Runs `fairkd ARGS` and watches it (the whole-run rate is the one of <see cref="FairkdCli.Rate"/>).</summary>
    public static CommandProfile Run(string fairkd, string[] args)
    {
        var profile = new CommandProfile();
        var clock = Stopwatch.StartNew();
        var pid = 0;
        using var poll = new Timer(_ =>
        {
            if (pid == 0) return;
            var sample = ThreadCpu.Sample(pid);
            lock (profile.gate) profile.latest = ThreadCpu.Merge(profile.latest, sample);
        }, null, 100, 100);
        profile.PrintedRate = FairkdCli.Rate(fairkd, args, (id, line) =>
        {
            pid = id;
            var now = clock.Elapsed.TotalSeconds;
            var progress = ProgressLine().Match(line);
            if (profile.start is null && progress.Success && int.Parse(progress.Groups[3].Value, CultureInfo.InvariantCulture) >= 25)
            {
                var sample = ThreadCpu.Sample(id);
                lock (profile.gate) profile.start = profile.latest = ThreadCpu.Merge(profile.latest, sample);
                (profile.startSeconds, profile.startImages) = (now, long.Parse(progress.Groups[1].Value, CultureInfo.InvariantCulture));
            }
            else if (profile.start is not null && profile.end is null && FairkdCli.IsClosingLine(line))
            {
                var sample = ThreadCpu.Sample(id);
                lock (profile.gate) profile.end = ThreadCpu.Merge(profile.latest, sample);
                (profile.endSeconds, profile.endImages) = (now, profile.total);
            }

            if (progress.Success) profile.total = long.Parse(progress.Groups[2].Value, CultureInfo.InvariantCulture);
        });
        if (profile.start is null || profile.end is null)
            throw new InvalidOperationException($"fairkd {args[0]}: no progress line at 25 % or more, or no closing line (too few images to watch)");
        return profile;
    }

    [GeneratedRegex(@": ([0-9]+)/([0-9]+) img \(([0-9]+)%\)")]
    private static partial Regex ProgressLine();
}
