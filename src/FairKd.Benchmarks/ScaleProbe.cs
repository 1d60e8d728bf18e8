using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace FairKd.Benchmarks;

/// <summary>What the scale benchmark reads from the OS: lscpu, resident memory (per mapping from smaps), the page cache.</summary>
internal static class ScaleProbe
{
    /// <summary>"model name, family F model M, N cores (C per socket x S sockets), T threads per core" from lscpu.</summary>
    public static string Lscpu()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("lscpu") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var fields = p.StandardOutput.ReadToEnd().Split('\n').Select(l => l.Split(':', 2)).Where(a => a.Length == 2)
                .GroupBy(a => a[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
            p.WaitForExit();
            string F(string k) => fields.GetValueOrDefault(k, "?");
            return $"{F("Model name")}, CPU family {F("CPU family")} model {F("Model")}, {F("CPU(s)")} CPUs " +
                $"({F("Core(s) per socket")} cores per socket x {F("Socket(s)")} socket, {F("Thread(s) per core")} thread per core)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"lscpu not available, {Environment.ProcessorCount} logical cores";
        }
    }

    /// <summary>Resident bytes of this process: (total, anonymous, file-backed) from /proc/self/status.</summary>
    public static (long Rss, long Anon, long File) Resident()
    {
        long rss = 0, anon = 0, file = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kb(line);
        }

        return (rss, anon, file);
    }

    /// <summary>Resident bytes of this process's mappings of files whose name ends with <paramref name="fileName"/> (/proc/self/smaps).</summary>
    public static long MappedResident(string fileName)
    {
        long total = 0;
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-', StringComparison.Ordinal))
                inside = line.TrimEnd().EndsWith(fileName, StringComparison.Ordinal);
            else if (inside && line.StartsWith("Rss:", StringComparison.Ordinal)) total += Kb(line);
        }

        return total;
    }

    /// <summary>Drops one file's pages from the page cache (posix_fadvise DONTNEED), so the next reads come from disk.</summary>
    public static void DropFromPageCache(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        fs.Flush();
        _ = PosixFadvise(fs.SafeFileHandle.DangerousGetHandle().ToInt32(), 0, 0, 4 /* POSIX_FADV_DONTNEED */);
    }

    /// <summary>Samples the process's anonymous resident memory every 50 ms while <paramref name="work"/> runs; returns its peak.</summary>
    public static long PeakAnonDuring(Action work)
    {
        long peak = Resident().Anon;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(50)) peak = Math.Max(peak, Resident().Anon);
        }) { IsBackground = true };
        sampler.Start();
        try
        {
            work();
        }
        finally
        {
            done.Set();
            sampler.Join();
        }

        return Math.Max(peak, Resident().Anon);
    }

    public static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture);

    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private static long Kb(string line) => long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);
}
