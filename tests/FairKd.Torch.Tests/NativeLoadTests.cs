using TorchSharp;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>Fails when the native TorchSharp library does not load (e.g. the Debian 12 libstdc++ fix is missing).</summary>
public class NativeLoadTests
{
    [Fact]
    public void Native_backend_loads_and_computes()
    {
        var describe = TorchBackendInfo.Describe();
        Assert.Contains("TorchSharp", describe, StringComparison.Ordinal);
        using var a = ones(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(3f, b[0, 1].item<float>());
    }

    [Fact]
    public void Asking_for_cuda_without_it_is_a_clear_argument_error()
    {
        if (cuda.is_available()) return; // on a GPU machine the device parses
        var ex = Assert.Throws<FairKd.Core.UsageException>(() => TorchBackendInfo.ParseDevice("cuda"));
        Assert.Contains("--device cpu", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("")]
    public void Unknown_or_empty_devices_are_usage_errors(string device)
    {
        Assert.Throws<FairKd.Core.UsageException>(() => TorchBackendInfo.ParseDevice(device));
    }

    [Fact]
    public void Cpu_parses_case_insensitively()
    {
        Assert.Equal(DeviceType.CPU, TorchBackendInfo.ParseDevice(" CPU ").type);
    }
}
