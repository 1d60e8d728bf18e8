using System.Globalization;
using System.Runtime.InteropServices;

namespace FairKd.Core.Runtime;

/// <summary>
/// The CPU a run computed on, as Linux describes it (<c>/proc/cpuinfo</c>, <c>/sys/devices/system/cpu</c>): written into
/// every training run (<c>host.json</c>) and printed by <c>fairkd doctor</c>, so two runs that disagree can be traced to
/// the hosts they ran on. Fields are empty where the OS does not say.
/// </summary>
/// <param name="CpuModel">"model name" (e.g. AMD EPYC).</param>
/// <param name="Vendor">"vendor_id".</param>
/// <param name="Family">"cpu family" / "model" / "stepping" as family.model.stepping.</param>
/// <param name="LogicalCores">Processors this process may use.</param>
/// <param name="SimdFlags">The vector-ISA flags that select math kernels (avx2, fma, avx512*, amx*, ...), sorted.</param>
/// <param name="Caches">Cache sizes of CPU 0 by level and type, e.g. "L1d 32K", "L2 1024K".</param>
/// <param name="Os">OS description.</param>
/// <param name="Runtime">.NET runtime description.</param>
public sealed record HostInfo(string CpuModel, string Vendor, string Family, int LogicalCores, IReadOnlyList<string> SimdFlags,
    IReadOnlyList<string> Caches, string Os, string Runtime)
{
    private static readonly string[] FamilyKeys = ["cpu family", "model", "stepping"];
    private static readonly string[] SimdPrefixes = ["sse", "ssse", "avx", "fma", "f16c", "amx", "vnni", "bf16"];

    /// <summary>Reads this machine.</summary>
    public static HostInfo Current()
    {
        var info = ParseCpuInfo(File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "");
        return new HostInfo(info.GetValueOrDefault("model name", RuntimeInformation.ProcessArchitecture.ToString()),
            info.GetValueOrDefault("vendor_id", ""),
            string.Join('.', FamilyKeys.Select(k => info.GetValueOrDefault(k, "?"))),
            Environment.ProcessorCount,
            SimdOf(info.GetValueOrDefault("flags", "")),
            ReadCaches("/sys/devices/system/cpu/cpu0/cache", info.GetValueOrDefault("cache size", "")),
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription);
    }

    /// <summary>True when the CPU offers AVX-512 (the ISA whose kernels differed between hosts).</summary>
    public bool HasAvx512 => SimdFlags.Contains("avx512f");

    /// <summary>One line for logs: model, family, cores, widest vector ISA.</summary>
    public string Summary => $"{CpuModel} (family {Family}), {LogicalCores} cores, {(HasAvx512 ? "AVX-512" : SimdFlags.Contains("avx2") ? "AVX2" : "no AVX2")}";

    /// <summary>The key/value pairs of the first processor block of a /proc/cpuinfo text.</summary>
    public static Dictionary<string, string> ParseCpuInfo(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                if (d.Count > 0) break;
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            d.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }

        return d;
    }

    /// <summary>The SIMD-relevant flags of a cpuinfo "flags" line, sorted and distinct.</summary>
    public static IReadOnlyList<string> SimdOf(string flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        return flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(f => SimdPrefixes.Any(p => f.StartsWith(p, StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> ReadCaches(string root, string cpuinfoCacheSize)
    {
        var list = new List<string>();
        if (!Directory.Exists(root) || Directory.GetDirectories(root, "index*").Length == 0)
        {
            // some virtual machines expose no cache topology; /proc/cpuinfo still names one size (the per-core L2 on x86)
            if (cpuinfoCacheSize.Length > 0) list.Add($"cache size {cpuinfoCacheSize} (/proc/cpuinfo)");
            return list;
        }

        foreach (var dir in Directory.GetDirectories(root, "index*").Order(StringComparer.Ordinal))
        {
            string Read(string f) => File.Exists(Path.Combine(dir, f)) ? File.ReadAllText(Path.Combine(dir, f)).Trim() : "";
            var type = Read("type") switch { "Data" => "d", "Instruction" => "i", _ => "" };
            list.Add(string.Create(CultureInfo.InvariantCulture, $"L{Read("level")}{type} {Read("size")}"));
        }

        return list;
    }
}
