using System.Globalization;
using System.Text.RegularExpressions;

namespace FairKd.Benchmarks;

/// <summary>
/// CPU seconds (user + system) of each thread of a running process, from /proc/PID/task/TID/stat (clock ticks of 1/100 s)
/// with the thread's name (comm, 15 characters at most): how a process's CPU splits between, e.g., the ONNX Runtime run
/// threads FairKd names "onnx run N", the .NET thread-pool workers that decode, the JIT's tiering thread and the GC.
/// Empty where /proc is missing or the process has ended.
/// </summary>
internal static partial class ThreadCpu
{
    /// <summary>Thread id -> (name, CPU seconds) of process <paramref name="pid"/> now.</summary>
    public static Dictionary<int, (string Name, double Seconds)> Sample(int pid)
    {
        var result = new Dictionary<int, (string, double)>();
        try
        {
            foreach (var dir in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = text.IndexOf('(', StringComparison.Ordinal);
                var close = text.LastIndexOf(')');
                var f = text[(close + 2)..].Split(' ');
                var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
                result[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (text[(open + 1)..close], ticks / 100.0);
            }
        }
        catch (IOException)
        {
            // the process or one of its threads ended while being read: what was read stands
        }
        catch (UnauthorizedAccessException)
        {
        }

        return result;
    }

    /// <summary><paramref name="older"/> updated with <paramref name="newer"/>: threads that ended in between keep their last value.</summary>
    public static Dictionary<int, (string Name, double Seconds)> Merge(Dictionary<int, (string Name, double Seconds)> older, Dictionary<int, (string Name, double Seconds)> newer)
    {
        var merged = new Dictionary<int, (string, double)>(older);
        foreach (var (tid, value) in newer) merged[tid] = value;
        return merged;
    }

    /// <summary>CPU seconds between two samples of one process per thread group (the name without a trailing number, so
    /// "onnx run 1" and "onnx run 2" are "onnx run"); a thread born in between counts from zero.</summary>
    public static Dictionary<string, double> Between(Dictionary<int, (string Name, double Seconds)> start, Dictionary<int, (string Name, double Seconds)> end)
    {
        var groups = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (tid, (name, seconds)) in end)
        {
            var group = TrailingNumber().Replace(name, "");
            groups[group] = groups.GetValueOrDefault(group) + seconds - (start.TryGetValue(tid, out var s) ? s.Seconds : 0);
        }

        return groups;
    }

    [GeneratedRegex(@"\s*[0-9]+$")]
    private static partial Regex TrailingNumber();
}
