using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace FairKd.Torch.Runtime;

/// <summary>
/// What computes the numbers: TorchSharp and LibTorch versions, the oneDNN version and the CPU kernel family ATen
/// dispatches to (LibTorch's own <c>at::show_config()</c> and <c>at::get_cpu_capability()</c>), and the thread counts.
/// </summary>
/// <param name="TorchSharp">TorchSharp assembly version.</param>
/// <param name="LibTorch">LibTorch package version (<c>torch.__version__</c>).</param>
/// <param name="OneDnn">oneDNN version as LibTorch reports it ("" when it does not).</param>
/// <param name="CpuCapability">ATen's vector kernel level (DEFAULT, AVX2, AVX512), honouring ATEN_CPU_CAPABILITY.</param>
/// <param name="IntraOpThreads">torch.get_num_threads().</param>
/// <param name="InterOpThreads">torch.get_num_interop_threads().</param>
/// <param name="OneDnnMaxIsa">ONEDNN_MAX_CPU_ISA when set (caps oneDNN's kernels), else "".</param>
public sealed partial record TorchRuntimeInfo(string TorchSharp, string LibTorch, string OneDnn, string CpuCapability,
    int IntraOpThreads, int InterOpThreads, string OneDnnMaxIsa)
{
    /// <summary>Loads the backend and reads it.</summary>
    public static TorchRuntimeInfo Current()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        var config = NativeString(ShowConfig) ?? "";
        var onednn = OneDnnVersion().Match(config) is { Success: true } m ? m.Groups[1].Value : "";
        return new TorchRuntimeInfo(typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", torch.__version__, onednn,
            NativeString(ReadCpuCapability) ?? "", torch.get_num_threads(), torch.get_num_interop_threads(),
            Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "");
    }

    /// <summary>One line for logs.</summary>
    public string Summary =>
        $"TorchSharp {TorchSharp}, LibTorch {LibTorch}, oneDNN {(OneDnn.Length > 0 ? OneDnn : "?")}, ATen CPU capability {CpuCapability}, threads {IntraOpThreads}/{InterOpThreads}" +
        (OneDnnMaxIsa.Length > 0 ? $", ONEDNN_MAX_CPU_ISA={OneDnnMaxIsa}" : "");

    [GeneratedRegex(@"(?:oneDNN|MKL-DNN)\D*v?(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex OneDnnVersion();

    // at::show_config() and at::get_cpu_capability() return a std::string (libstdc++ cxx11 ABI: data pointer, length,
    // 16-byte inline buffer or capacity) through the x86-64 SysV hidden return pointer. Read only; the heap buffer of a
    // long string is left to the process (called once or twice per run).
    [StructLayout(LayoutKind.Sequential)]
    private struct StdString
    {
        public IntPtr Data;
        public nuint Length;
        public nuint Capacity;
        public nuint Pad;
    }

    private delegate void StringFunction(out StdString result);

    private static string? NativeString(StringFunction f)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        try
        {
            f(out var s);
            return s.Data == IntPtr.Zero || s.Length > 1 << 20 ? null : Marshal.PtrToStringUTF8(s.Data, (int)s.Length);
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static void ShowConfig(out StdString result) => NativeMethods.ShowConfig(out result);

    private static void ReadCpuCapability(out StdString result) => NativeMethods.GetCpuCapability(out result);

    private static class NativeMethods
    {
        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at11show_configB5cxx11Ev")]
        public static extern void ShowConfig(out StdString result);

        [DllImport("libtorch_cpu", EntryPoint = "_ZN2at18get_cpu_capabilityB5cxx11Ev")]
        public static extern void GetCpuCapability(out StdString result);
    }
}
