namespace FairKd.Benchmarks;

/// <summary>Facts about the machine a benchmark records beside its figures.</summary>
internal static class BenchHost
{
    /// <summary>The 1, 5 and 15 minute load averages (<c>/proc/loadavg</c>), or "n/a".</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
