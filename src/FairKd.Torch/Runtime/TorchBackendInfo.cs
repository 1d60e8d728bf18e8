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

    /// <summary>Parses a --device value ("cpu", "cuda", "cuda:1"); fails clearly when CUDA is asked for but absent.</summary>
    public static torch.Device ParseDevice(string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        if (device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
            throw new ArgumentException($"--device {device}: CUDA is not available in this build or on this machine (build with TORCH=cuda on a GPU machine, or use --device cpu)");
        return new torch.Device(device);
    }
}
