using FairKd.Core.Runtime;
using FairKd.Tests.Shared;
using FairKd.Torch.Interop;
using FairKd.Torch.Models;
using FairKd.Torch.Runtime;

namespace FairKd.Torch.Tests.Interop;

/// <summary>
/// oneDNN's cache view: on a host whose CPUID hides the cache sizes (the development VM) oneDNN saw 1-byte caches and
/// computed wrong gradients for padded channel blocks; after <see cref="OneDnnCpuCaches"/> it must see real sizes and
/// compute the tiny widths right on oneDNN itself.
/// </summary>
public class OneDnnCpuCachesTests
{
    [Fact]
    public void Cpuid_reads_the_vendor_the_os_reports()
    {
        var cpuid = CpuidCaches.Read();
        var host = HostInfo.Current();
        if (host.Vendor.Length > 0 && System.Runtime.Intrinsics.X86.X86Base.IsSupported) Assert.Equal(host.Vendor, cpuid.Vendor);
        Assert.NotEmpty(cpuid.Summary);
    }

    [Fact]
    public void Onednn_sees_plausible_cache_sizes_after_the_correction()
    {
        var state = OneDnnCpuCaches.Apply();
        Assert.False(state.Degenerate, state.Decision);
        Assert.All(state.Now, s => Assert.True(s >= OneDnnCpuCaches.Plausible, state.Decision));
        if (!state.Cpuid.DescriptorsPresent && OperatingSystem.IsLinux())
        {
            // a host like the development VM: oneDNN's own reading was degenerate and FairKd corrected it
            Assert.True(state.Corrected, state.Decision);
            Assert.Contains(state.Seen, s => s < OneDnnCpuCaches.Plausible);
        }
    }

    [Fact]
    public void Symbols_are_found_in_libtorchs_symbol_table_and_other_files_are_refused()
    {
        if (!OperatingSystem.IsLinux()) return;
        var lib = Directory.GetFiles(AppContext.BaseDirectory, "libtorch_cpu.so").Single();
        var found = OneDnnCpuCaches.ElfSymbols.Find(lib, ["_ZZN4dnnl4impl3cpu3x643cpuEvE4cpu_", "_ZN2at13globalContextEv", "no_such_symbol_anywhere"]);
        Assert.Equal(2, found.Count);
        Assert.True(found["_ZZN4dnnl4impl3cpu3x643cpuEvE4cpu_"].Size >= 0x70);
        using var tmp = new TempDir("elf");
        File.WriteAllBytes(tmp.Combine("x.so"), new byte[4096]);
        Assert.Throws<InvalidDataException>(() => OneDnnCpuCaches.ElfSymbols.Find(tmp.Combine("x.so"), ["a"]));
    }

    [Theory]
    [InlineData("iresnet18:width=0.0625,input=32")] // 4 channels: NaN on every ISA with 1-byte caches
    [InlineData("iresnet18:width=0.125,input=32")] // 8 channels: 0.2-1.8 relative error with 1-byte caches
    [InlineData("mobilefacenet:width=0.125,input=32")]
    public void Padded_channel_blocks_train_right_on_onednn(string spec)
    {
        var r = NumericsCheck.Run(new NumericsCheckOptions(ModelSpecText.Parse(spec), BatchSize: 16, ForceGc: true));
        Assert.StartsWith("oneDNN convolutions on", r.Convolutions, StringComparison.Ordinal);
        Assert.True(r.Passed, $"{spec}: failing layer {r.FailingLayer}; {r.Convolutions}");
    }
}
