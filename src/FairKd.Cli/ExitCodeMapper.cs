using FairKd.Core;

namespace FairKd.Cli;

/// <summary>Makes Cocona's exit codes consistent with FairKd's (0 ok, 1 failed, 2 usage).</summary>
internal static class ExitCodeMapper
{
    private const int CoconaHelpOrRejectedExitCode = 129;

    public static int Map(int coconaExitCode, bool commandStarted, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (commandStarted) return coconaExitCode;
        // Cocona ends both --help/--version and an unknown option with 129; asking for help is success.
        if (coconaExitCode == CoconaHelpOrRejectedExitCode)
            return args.Any(a => a is "-h" or "--help" or "--version") ? ExitCodes.Success : ExitCodes.Usage;
        // Cocona reports other parse errors (unknown command, missing or malformed value) as 1 before any command
        // body runs; FairKd reports bad arguments as 2.
        return coconaExitCode == ExitCodes.Success ? ExitCodes.Success : ExitCodes.Usage;
    }
}
