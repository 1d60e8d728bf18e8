using System.Text.Json;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd doctor`: host record, a sound step passes, an impossible tolerance names a failing layer, bad arguments exit 2.</summary>
public class DoctorCommandTests
{
    private const string Model = "iresnet18:width=0.0625,input=32,emb=16";

    [Fact]
    public void A_sound_step_passes_and_the_record_is_written()
    {
        using var dir = new TempDir("doctor");
        var json = dir.Combine("host.json");
        var r = ProcessRunner.Fairkd("doctor", "--model", Model, "--batch-size", "8", "--json", json);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("ok: repeatable bit for bit and within tolerance of float64", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("forced GC", r.StdOut, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("host").GetProperty("LogicalCores").GetInt32());
        var check = root.GetProperty("checks")[0];
        Assert.True(check.GetProperty("Parameters").GetArrayLength() > 10);
        Assert.True(check.GetProperty("GcCollections").GetInt64() > 0);
    }

    [Fact]
    public void An_impossible_tolerance_fails_naming_the_layer()
    {
        var r = ProcessRunner.Fairkd("doctor", "--model", Model, "--batch-size", "8", "--tolerance", "1e-12", "--no-force-gc");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("failing layer: ", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("gradients off float64 by more than 1E-12", r.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--batch-size", "1")]
    [InlineData("--model", "nosuchnet")]
    [InlineData("--tolerance", "0")]
    public void Bad_arguments_exit_2(string option, string value)
    {
        var r = ProcessRunner.Fairkd("doctor", option, value);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith("error: ", r.StdErr, StringComparison.Ordinal);
    }
}
