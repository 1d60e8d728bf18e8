using System.Reflection;
using System.Runtime.CompilerServices;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// The CLI parses, calls and reports (issue 14): every type in the fairkd assembly is a command (a class with Cocona
/// [Command] methods), CLI plumbing (the root namespace: Main, exit codes, progress, signals; Help; Pipelines: running
/// steps as child processes), an option-parsing type in Commands, or one of the stage types listed in
/// <see cref="StageLogicStillInCli"/>, which belong in Data/Torch and leave this list as they move (a ratchet: a new type
/// of stage logic in the CLI fails here, and a listed type that no longer exists must be removed from the list).
/// </summary>
public sealed class CliSurfaceTests
{
    /// <summary>Stage logic the CLI still holds (to move into the stage's library, one stage at a time).</summary>
    public static readonly IReadOnlyList<string> StageLogicStillInCli =
    [
        "FairKd.Cli.Embedding.EmbedOutcome",
        "FairKd.Cli.Embedding.EmbedRun",
        "FairKd.Cli.Embedding.EmbedSettings",
        "FairKd.Cli.Embedding.EthnicitySources",
        "FairKd.Cli.Embedding.IEthnicitySource",
        "FairKd.Cli.Embedding.ModelLoader",
        "FairKd.Cli.Embedding.TeacherBatch",
        "FairKd.Cli.Evaluation.CheckpointEval",
        "FairKd.Cli.Evaluation.CheckpointPlan",
        "FairKd.Cli.Evaluation.EvalEmbedSettings",
        "FairKd.Cli.Evaluation.EvalEmbeddings",
        "FairKd.Cli.Evaluation.EvalImage",
        "FairKd.Cli.Evaluation.EvalPair",
        "FairKd.Cli.Evaluation.EvalRun",
        "FairKd.Cli.Evaluation.EvalScoring",
        "FairKd.Cli.Evaluation.EvalSet",
        "FairKd.Cli.Evaluation.EvalSets",
        "FairKd.Cli.Evaluation.FusedEmbeddings",
        "FairKd.Cli.Evaluation.RunCheckpoint",
        "FairKd.Cli.Exporting.ExportRun",
        "FairKd.Cli.Reporting.ReportPlots",
        "FairKd.Cli.Reporting.ReportWriter",
        "FairKd.Cli.Training.DatasetLossWeights",
        "FairKd.Cli.Training.PipelineFiles",
        "FairKd.Cli.Training.SelectedWeights",
        "FairKd.Cli.Training.TrainRequest",
        "FairKd.Cli.Training.TrainRun",
        "FairKd.Cli.Training.TrainRunConfig",
        "FairKd.Cli.Training.TrainValidation",
        "FairKd.Cli.Training.ValidationConfig",
        "FairKd.Cli.Training.ValidationResult",
    ];

    private static readonly string[] PlumbingNamespaces = ["FairKd.Cli", "FairKd.Cli.Help", "FairKd.Cli.Pipelines"];

    private static List<Type> CliTypes() =>
    [
        .. Assembly.Load(new AssemblyName("fairkd")).GetTypes()
            .Where(t => !t.IsNested && t.GetCustomAttribute<CompilerGeneratedAttribute>() is null && t.Namespace?.StartsWith("FairKd.Cli", StringComparison.Ordinal) == true)
            .OrderBy(t => t.FullName, StringComparer.Ordinal),
    ];

    private static bool IsCommand(Type t) =>
        t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Any(m => m.GetCustomAttribute<Cocona.CommandAttribute>() is not null);

    /// <summary>Why <paramref name="t"/> may live in the CLI, or null when it may not.</summary>
    internal static string? Role(Type t, IReadOnlyCollection<string> stageLogic) =>
        IsCommand(t) ? "command"
        : PlumbingNamespaces.Contains(t.Namespace) ? "plumbing"
        : stageLogic.Contains(t.FullName!) ? "stage logic still to move"
        : t.Namespace == "FairKd.Cli.Commands" && t.Name.EndsWith("Inputs", StringComparison.Ordinal) ? "option parsing"
        : t.Namespace == "FairKd.Cli.Commands" && t.Name == "CommandRegistry" ? "command registry"
        : null;

    [Fact]
    public void Every_cli_type_is_a_command_plumbing_option_parsing_or_listed_stage_logic()
    {
        var strays = CliTypes().Where(t => Role(t, [.. StageLogicStillInCli]) is null).Select(t => t.FullName).ToList();
        Assert.True(strays.Count == 0, $"types that do stage work belong in the stage's library (Data/Torch), not the CLI: {string.Join(", ", strays)}");
    }

    [Fact]
    public void The_list_of_stage_logic_still_in_the_cli_only_shrinks()
    {
        var names = CliTypes().Select(t => t.FullName).ToHashSet(StringComparer.Ordinal);
        var gone = StageLogicStillInCli.Where(n => !names.Contains(n)).ToList();
        Assert.True(gone.Count == 0, $"moved out of the CLI (remove from {nameof(StageLogicStillInCli)}): {string.Join(", ", gone)}");
    }

    [Fact]
    public void The_check_rejects_a_stage_type_that_is_not_listed()
    {
        var run = CliTypes().Single(t => t.Name == "TrainRun");
        Assert.Equal("stage logic still to move", Role(run, [.. StageLogicStillInCli]));
        Assert.Null(Role(run, []));
        Assert.Equal("command", Role(CliTypes().Single(t => t.Name == "TrainCommand"), []));
    }
}
