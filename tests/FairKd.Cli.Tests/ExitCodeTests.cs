using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>The documented exit codes: 0 ok (and --help), 2 for bad arguments, never Cocona's 129.</summary>
public class ExitCodeTests
{
    [Fact]
    public void Help_exits_zero()
    {
        var r = ProcessRunner.Fairkd("--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("info", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_option_and_unknown_command_exit_two()
    {
        var r = ProcessRunner.Fairkd("info", "--no-such-option");
        Assert.True(r.ExitCode == 2, r.ToString());
        r = ProcessRunner.Fairkd("no-such-command");
        Assert.True(r.ExitCode == 2, r.ToString());
    }

    [Fact]
    public void Info_loads_the_torch_backend()
    {
        var r = ProcessRunner.Fairkd("info");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("TorchSharp", r.StdOut, StringComparison.Ordinal);
    }
}
