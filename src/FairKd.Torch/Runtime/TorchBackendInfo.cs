using FairKd.Core;
using TorchSharp;

namespace FairKd.Torch;

/// <summary>What the Torch backend is and what it can run on.</summary>
public static class TorchBackendInfo
{
    /// <summary>Loads the native backend (throws with TorchSharp's message when it cannot) and describes it.</summary>
    public static string Describe()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        var cuda = torch.cuda.is_available();
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version}, CPU threads {torch.get_num_threads()}, CUDA {(cuda ? $"available ({torch.cuda.device_count()} devices)" : "not available")}";
    }

    /// <summary>Parses a --device value ("cpu", "cuda", "cuda:1"); a usage error (exit 2) when it is unknown or
    /// CUDA is asked for but absent. The one device parser of FairKd.Torch (inference and training).</summary>
    public static torch.Device ParseDevice(string device)
    {
        if (string.IsNullOrWhiteSpace(device)) throw new UsageException("device is empty; use cpu or cuda");
        var lower = device.Trim().ToLowerInvariant();
        if (lower == "cpu") return torch.CPU;
        if (lower.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new UsageException($"--device {device}: CUDA is not available in this build or on this machine (build with TORCH=cuda on a GPU machine, or use --device cpu)");
            return new torch.Device(lower);
        }

        throw new UsageException($"unknown device '{device}'; use cpu, cuda or cuda:N");
    }
}
