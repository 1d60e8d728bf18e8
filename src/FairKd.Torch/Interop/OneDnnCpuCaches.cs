using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using FairKd.Core.Runtime;

namespace FairKd.Torch.Interop;

/// <summary>
/// oneDNN's view of the CPU caches, and its correction on hosts whose hypervisor hides them (README "Numerics").
/// <para>
/// oneDNN 3.7.1 (inside LibTorch 2.10) sizes its JIT convolution kernels' blocking from the per-core cache sizes its
/// bundled Xbyak reads from CPUID. On AMD it reads only leaf 0x8000001D and, when a hypervisor zeroes that leaf, computes
/// every level as (0+1)·(0+1)·(0+1)·(0+1) = 1 byte. On the AMD EPYC family 26 development VM oneDNN therefore saw
/// L1 = L2 = L3 = 1 byte, and with that blocking its convolutions on padded channel blocks (fewer than 16 channels, or
/// not a multiple of 16) computed wrong, run-to-run different gradients. Giving oneDNN real sizes before its first
/// primitive made the same kernels bit-identical twice and within 1.5e-4 of float64 (<c>fairkd doctor</c> on iresnet18
/// at 1/8 and 1/16 width and MobileFaceNet at 1/8); the 1-byte sizes reproduce the fault every time.
/// </para>
/// <para>
/// The correction writes the sizes into oneDNN's <c>cpu()</c> object (Xbyak::util::Cpu) through LibTorch's own ELF
/// symbol table, only when oneDNN reports a cache smaller than 1 KB, only when the object has the layout of the
/// LibTorch 2.10 build (checked against what oneDNN's <c>get_per_core_cache_size</c> returns), and it is verified by
/// calling that function again; anything unexpected leaves oneDNN untouched, and FairKd then keeps padded-channel
/// convolutions off oneDNN (<see cref="Runtime.OneDnnIsa.UseForTraining"/>). Sizes written: the CPU's legacy CPUID
/// leaves for L1d and L2 (0x80000005/6), else oneDNN's own defaults when it finds no cache information (32 KB, 512 KB),
/// and oneDNN's default 1 MB per core for L3 (the legacy leaf reports the whole package's L3, not this machine's share).
/// <c>FAIRKD_ONEDNN_CACHES=off</c> leaves oneDNN's view as detected (to reproduce the fault). Remove this class when
/// LibTorch ships a oneDNN that validates the descriptor leaf.
/// </para>
/// </summary>
public static class OneDnnCpuCaches
{
    /// <summary>FairKd's policy variable: auto (default: correct a degenerate view) or off.</summary>
    public const string PolicyVariable = "FAIRKD_ONEDNN_CACHES";

    /// <summary>Below this many bytes a cache size is treated as "not detected".</summary>
    public const uint Plausible = 1024;

    private const string CpuObject = "_ZZN4dnnl4impl3cpu3x643cpuEvE4cpu_";
    private const string CacheSizeFunction = "_ZN4dnnl4impl3cpu8platform23get_per_core_cache_sizeEi";
    private const string AnchorExport = "_ZN2at13globalContextEv";

    // Xbyak::util::Cpu in LibTorch 2.10's oneDNN 3.7.1 (from get_per_core_cache_size's code): dataCacheSize_[4] at 0x1c,
    // coresSharignDataCache_[4] at 0x44, dataCacheLevels_ at 0x6c; per-core size = dataCacheSize_[l] / coresSharing[l].
    private const int SizesOffset = 0x1c, SharingOffset = 0x44, LevelsOffset = 0x6c;

    private static readonly Lock Gate = new();
    private static State? state;

    /// <summary>What was found and done.</summary>
    /// <param name="Cpuid">What CPUID says about the caches.</param>
    /// <param name="Seen">oneDNN's per-core L1/L2/L3 sizes in bytes before any correction (empty when not inspected).</param>
    /// <param name="Now">oneDNN's per-core L1/L2/L3 sizes in bytes now (empty when not inspected).</param>
    /// <param name="Corrected">True when FairKd wrote the sizes.</param>
    /// <param name="Decision">One line for logs and host.json.</param>
    public sealed record State(CpuidCaches Cpuid, IReadOnlyList<uint> Seen, IReadOnlyList<uint> Now, bool Corrected, string Decision)
    {
        /// <summary>True when oneDNN's convolution blocking may be degenerate: a cache it uses is below 1 KB, or it could not be inspected on a host whose CPUID hides the caches.</summary>
        public bool Degenerate => Now.Count == 0 ? !Cpuid.DescriptorsPresent : Now.Any(s => s < Plausible);

        /// <summary>A few words for the convolution decision, e.g. "oneDNN's cache sizes corrected to L1 48 KB, L2 1 MB, L3 1 MB".</summary>
        public string Brief => Corrected ? $"oneDNN's cache sizes corrected to {Sizes(Now)}"
            : Degenerate ? (Now.Count > 0 ? $"oneDNN's cache sizes are degenerate: {Sizes(Now)}" : "the CPU hides its cache sizes from oneDNN")
            : Now.Count > 0 ? $"oneDNN sees {Sizes(Now)}" : "the CPU reports its caches to oneDNN";
    }

    /// <summary>Inspects (and, where needed and allowed, corrects) oneDNN's cache view once per process; later calls return the first result.</summary>
    public static State Apply()
    {
        lock (Gate) return state ??= Decide();
    }

    private static State Decide()
    {
        var cpuid = CpuidCaches.Read();
        if (cpuid.DescriptorsPresent) return new(cpuid, [], [], false, $"oneDNN reads the caches from CPUID ({cpuid.Summary})");
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return new(cpuid, [], [], false, $"{cpuid.Summary}; oneDNN's view not inspected (Linux x64 only)");
        try
        {
            return Inspect(cpuid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException or InvalidDataException)
        {
            return new(cpuid, [], [], false, $"{cpuid.Summary}; oneDNN's view not inspected ({e.Message})");
        }
    }

    private static unsafe State Inspect(CpuidCaches cpuid)
    {
        var lib = NativeLibrary.Load("libtorch_cpu", typeof(OneDnnCpuCaches).Assembly, null);
        var anchor = NativeLibrary.GetExport(lib, AnchorExport);
        if (NativeMethods.DlAddr(anchor, out var info) == 0 || info.FileName == IntPtr.Zero) throw new InvalidDataException("dladdr found no file for libtorch_cpu");
        var path = Marshal.PtrToStringUTF8(info.FileName)!;
        var symbols = ElfSymbols.Find(path, [CpuObject, CacheSizeFunction]);
        if (!symbols.TryGetValue(CpuObject, out var obj) || !symbols.TryGetValue(CacheSizeFunction, out var fn))
            return new(cpuid, [], [], false, $"{cpuid.Summary}; oneDNN's cpu() not found in {Path.GetFileName(path)}'s symbol table: not corrected");

        var get = (delegate* unmanaged<int, uint>)((byte*)info.BaseAddress + fn.Value);
        uint[] seen = [get(1), get(2), get(3)]; // the first call also constructs oneDNN's static cpu() object
        if (seen.All(s => s >= Plausible)) return new(cpuid, seen, seen, false, $"{cpuid.Summary}; oneDNN sees {Sizes(seen)}: nothing to correct");
        if ((Environment.GetEnvironmentVariable(PolicyVariable) ?? "auto").Trim().Equals("off", StringComparison.OrdinalIgnoreCase))
            return new(cpuid, seen, seen, false, $"{cpuid.Summary}; oneDNN sees {Sizes(seen)}: left as detected ({PolicyVariable}=off)");

        var cpu = (byte*)info.BaseAddress + obj.Value;
        var levels = *(uint*)(cpu + LevelsOffset);
        var layoutOk = obj.Size >= LevelsOffset + 4 && levels is >= 3 and <= 4;
        for (var l = 0; layoutOk && l < 3; l++)
        {
            var sharing = *(uint*)(cpu + SharingOffset + (4 * l));
            layoutOk = sharing >= 1 && *(uint*)(cpu + SizesOffset + (4 * l)) / sharing == seen[l];
        }

        if (!layoutOk)
            return new(cpuid, seen, seen, false, $"{cpuid.Summary}; oneDNN sees {Sizes(seen)}, but its cpu() object is not laid out as in LibTorch 2.10: not corrected");

        uint[] target =
        [
            cpuid.L1dBytes is >= Plausible and <= uint.MaxValue ? (uint)cpuid.L1dBytes : 32 * 1024,
            cpuid.L2Bytes is >= Plausible and <= uint.MaxValue ? (uint)cpuid.L2Bytes : 512 * 1024,
            1024 * 1024,
        ];
        var saved = new byte[obj.Size];
        new ReadOnlySpan<byte>(cpu, (int)obj.Size).CopyTo(saved);
        for (var l = 0; l < 3; l++)
        {
            *(uint*)(cpu + SizesOffset + (4 * l)) = target[l];
            *(uint*)(cpu + SharingOffset + (4 * l)) = 1;
        }

        uint[] now = [get(1), get(2), get(3)];
        if (!now.SequenceEqual(target))
        {
            saved.CopyTo(new Span<byte>(cpu, saved.Length));
            return new(cpuid, seen, [get(1), get(2), get(3)], false, $"{cpuid.Summary}; oneDNN sees {Sizes(seen)}; writing {Sizes(target)} did not take: restored");
        }

        return new(cpuid, seen, now, true, $"{cpuid.Summary}; oneDNN saw {Sizes(seen)}, corrected to {Sizes(now)}");
    }

    private static string Sizes(IEnumerable<uint> sizes) => string.Join(", ", sizes.Select((v, i) => $"L{i + 1} {Human(v)}"));

    private static string Human(uint bytes) => bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MB"
        : bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KB" : $"{bytes} B";

    /// <summary>Looks names up in an ELF64 file's full symbol table (.symtab, which LibTorch ships), memory-mapped.</summary>
    internal static class ElfSymbols
    {
        /// <summary>Value (offset from the load base of a shared object) and size of each name found.</summary>
        public static Dictionary<string, (ulong Value, ulong Size)> Find(string path, IReadOnlyCollection<string> names)
        {
            using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            var found = new Dictionary<string, (ulong, ulong)>(StringComparer.Ordinal);
            unsafe
            {
                byte* p = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
                try
                {
                    var length = (long)view.SafeMemoryMappedViewHandle.ByteLength;
                    var elf = new ReadOnlySpan<byte>(p, (int)Math.Min(length, 64));
                    if (length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
                        throw new InvalidDataException($"{path} is not a little-endian ELF64 file");
                    var shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
                    int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]), shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
                    ReadOnlySpan<byte> Section(int i) => Bytes(p, length, shoff + ((long)i * shentsize), 64);
                    var wanted = names.Select(n => (Name: Encoding.ASCII.GetBytes(n), Text: n)).ToArray();
                    for (var i = 0; i < shnum; i++)
                    {
                        var sh = Section(i);
                        if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != 2) continue; // SHT_SYMTAB
                        var off = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
                        var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]);
                        var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
                        var strtab = Section(link);
                        var stroff = (long)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]);
                        var strsize = (long)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x20..]);
                        for (long s = off; s + 24 <= off + size && found.Count < wanted.Length; s += 24)
                        {
                            var sym = Bytes(p, length, s, 24);
                            var nameAt = BinaryPrimitives.ReadUInt32LittleEndian(sym);
                            if (nameAt == 0 || nameAt >= strsize) continue;
                            foreach (var (name, text) in wanted)
                            {
                                if (nameAt + name.Length >= strsize) continue;
                                var candidate = Bytes(p, length, stroff + nameAt, name.Length + 1);
                                if (candidate[name.Length] == 0 && candidate[..name.Length].SequenceEqual(name))
                                    found.TryAdd(text, (BinaryPrimitives.ReadUInt64LittleEndian(sym[8..]), BinaryPrimitives.ReadUInt64LittleEndian(sym[16..])));
                            }
                        }
                    }
                }
                finally
                {
                    view.SafeMemoryMappedViewHandle.ReleasePointer();
                }
            }

            return found;
        }

        private static unsafe ReadOnlySpan<byte> Bytes(byte* p, long length, long at, int count) =>
            at < 0 || at + count > length ? throw new InvalidDataException($"ELF offset {at} outside the file") : new ReadOnlySpan<byte>(p + at, count);
    }

    private static class NativeMethods
    {
        [StructLayout(LayoutKind.Sequential)]
        public struct DlInfo
        {
            public IntPtr FileName;
            public IntPtr BaseAddress;
            public IntPtr SymbolName;
            public IntPtr SymbolAddress;
        }

        [DllImport("libc", EntryPoint = "dladdr")]
        public static extern int DlAddr(IntPtr address, out DlInfo info);
    }
}
