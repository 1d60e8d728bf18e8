using Cocona;
using FairKd.Core;
using FairKd.Torch;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd info`: versions and the compute backend, to check an installation.</summary>
internal sealed class InfoCommand
{
    [Command("info", Description = "Print FairKd's version, the Torch backend and whether it loads.\n  example: fairkd info")]
    public Task<int> Info([Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, _ =>
        {
            Console.WriteLine($"fairkd {typeof(ExitCodes).Assembly.GetName().Version}");
            Console.WriteLine($"torch: {TorchBackendInfo.Describe()}");
            return Task.FromResult(ExitCodes.Success);
        }, CancellationToken.None);
}
