using Cocona;
using Cocona.Builder;

namespace FairKd.Cli.Commands;

/// <summary>Every `fairkd` command class, in one place.</summary>
internal static class CommandRegistry
{
    public static void AddAll(ICoconaCommandsBuilder app)
    {
        app.AddCommands<InfoCommand>();
        app.AddCommands<DoctorCommand>();
        app.AddCommands<DemoDataCommand>();
        app.AddCommands<IngestCommand>();
        app.AddSubCommand("embed", x => x.AddCommands<EmbedCommands>()).WithDescription("Teacher embedding cache: embed (run the teacher once over every image) | merge (join sharded runs)");
        app.AddCommands<ReportCommand>();
        app.AddCommands<TrainCommand>();
        app.AddCommands<EvalCommand>();
        app.AddCommands<ExportCommand>();
        app.AddCommands<RunCommand>();
        app.AddSubCommand("manifest", x => x.AddCommands<ManifestCommands>()).WithDescription("Balanced sample lists: build|card|audit|stats|diff|verify|import|export");
    }
}
