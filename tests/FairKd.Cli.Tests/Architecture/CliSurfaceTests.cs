using System.Reflection;
using System.Runtime.CompilerServices;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// The CLI parses, calls and reports (issue 14): every type in the fairkd assembly is a command (a class with Cocona
/// [Command] methods), CLI plumbing (the root namespace: Main, exit codes, the console reporter, signals; Help; Pipelines:
/// running steps as child processes) or an option-parsing type in Commands. Stage logic lives in the stage's library
/// (FairKd.Data, FairKd.Torch, or FairKd.Stages where the two meet); a type of stage logic added to the CLI fails here.
/// </summary>
public sealed class CliSurfaceTests
{
    private static readonly string[] PlumbingNamespaces = ["FairKd.Cli", "FairKd.Cli.Help", "FairKd.Cli.Run"];

    private static List<Type> CliTypes() =>
    [
        .. Assembly.Load(new AssemblyName("fairkd")).GetTypes()
            .Where(t => !t.IsNested && t.GetCustomAttribute<CompilerGeneratedAttribute>() is null && t.Namespace?.StartsWith("FairKd.Cli", StringComparison.Ordinal) == true)
            .OrderBy(t => t.FullName, StringComparer.Ordinal),
    ];

    private static bool IsCommand(Type t) =>
        t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Any(m => m.GetCustomAttribute<Cocona.CommandAttribute>() is not null);

    /// <summary>Why <paramref name="t"/> may live in the CLI, or null when it may not.</summary>
    internal static string? Role(Type t) =>
        IsCommand(t) ? "command"
        : PlumbingNamespaces.Contains(t.Namespace) ? "plumbing"
        : t.Namespace == "FairKd.Cli.Commands" && t.Name.EndsWith("Inputs", StringComparison.Ordinal) ? "option parsing"
        : t.Namespace == "FairKd.Cli.Commands" && t.Name == "CommandRegistry" ? "command registry"
        : null;

    [Fact]
    public void Every_cli_type_is_a_command_plumbing_or_option_parsing()
    {
        var strays = CliTypes().Where(t => Role(t) is null).Select(t => t.FullName).ToList();
        Assert.True(strays.Count == 0, $"types that do stage work belong in the stage's library (Data, Torch or Stages), not the CLI: {string.Join(", ", strays)}");
    }

    [Fact]
    public void The_check_rejects_a_stage_type()
    {
        // TrainRun lived in FairKd.Cli.Train until the stages moved to FairKd.Stages; a type like it in the CLI is refused.
        Assert.Null(Role(typeof(FairKd.Stages.Train.TrainRun)));
        Assert.Null(Role(typeof(FairKd.Data.Ingest.IngestStage)));
        Assert.Equal("command", Role(CliTypes().Single(t => t.Name == "TrainCommand")));
        Assert.Equal("plumbing", Role(CliTypes().Single(t => t.Name == "ConsoleReporter")));
    }
}
