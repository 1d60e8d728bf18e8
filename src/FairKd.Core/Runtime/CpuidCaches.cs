using System.Runtime.Intrinsics.X86;

namespace FairKd.Core.Runtime;

/// <summary>
/// What the CPU itself (the CPUID instruction, not the OS) says about its data caches. Math libraries size their
/// blocking from it: oneDNN reads the cache descriptors (AMD leaf 0x8000001D, Intel leaf 4). Some hypervisors zero
/// those descriptors while still announcing the leaf (the AMD EPYC family 26 development VM: every sub-leaf 0), and
/// oneDNN then believes every cache level holds one byte (README "Numerics"). The legacy AMD leaves 0x80000005/6 still
/// give L1d, L2 and L3 there.
/// </summary>
/// <param name="Vendor">CPUID vendor string (AuthenticAMD, GenuineIntel, ...), "" when CPUID is not available.</param>
/// <param name="DescriptorsPresent">True when the cache descriptor leaf names at least one cache.</param>
/// <param name="L1dBytes">L1 data cache from the legacy leaf (0 when unknown).</param>
/// <param name="L2Bytes">L2 from the legacy leaf (0 when unknown).</param>
/// <param name="L3Bytes">L3 from the legacy leaf, the whole package's (0 when unknown).</param>
public sealed record CpuidCaches(string Vendor, bool DescriptorsPresent, long L1dBytes, long L2Bytes, long L3Bytes)
{
    /// <summary>Reads this CPU (x86 only; elsewhere an empty record with <see cref="DescriptorsPresent"/> true, i.e. nothing to correct).</summary>
    public static CpuidCaches Read()
    {
        if (!X86Base.IsSupported) return new("", true, 0, 0, 0);
        var (max, b, c, d) = X86Base.CpuId(0, 0);
        var vendor = string.Concat(Ascii(b), Ascii(d), Ascii(c));
        var maxExt = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        var amd = vendor is "AuthenticAMD" or "HygonGenuine";
        bool present;
        if (amd) present = maxExt >= 0x8000001D && (X86Base.CpuId(unchecked((int)0x8000001D), 0).Eax & 0x1F) != 0;
        else present = max >= 4 && (X86Base.CpuId(4, 0).Eax & 0x1F) != 0;
        long l1 = 0, l2 = 0, l3 = 0;
        if (amd && maxExt >= 0x80000005) l1 = (long)(((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) * 1024);
        if (maxExt >= 0x80000006)
        {
            var (_, _, ecx, edx) = X86Base.CpuId(unchecked((int)0x80000006), 0);
            l2 = (long)((uint)ecx >> 16) * 1024;
            if (amd) l3 = (long)((uint)edx >> 18) * 512 * 1024;
        }

        return new(vendor, present, l1, l2, l3);
    }

    /// <summary>One line for logs, e.g. "cache descriptors missing (CPUID 0x8000001D is zero); legacy leaves: L1d 48 KB, L2 1024 KB".</summary>
    public string Summary => Vendor.Length == 0
        ? "no CPUID"
        : (DescriptorsPresent ? "cache descriptors present" : $"cache descriptors missing (CPUID {(Vendor == "GenuineIntel" ? "leaf 4" : "0x8000001D")} is zero)") +
          (L1dBytes > 0 || L2Bytes > 0 ? $"; legacy leaves: L1d {L1dBytes / 1024} KB, L2 {L2Bytes / 1024} KB" + (L3Bytes > 0 ? $", L3 {L3Bytes / 1024} KB" : "") : "");

    private static string Ascii(int register) =>
        new([(char)(register & 0xFF), (char)((register >> 8) & 0xFF), (char)((register >> 16) & 0xFF), (char)((register >> 24) & 0xFF)]);
}
