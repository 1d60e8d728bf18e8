using Cocona;
using Cocona.Application;
using Cocona.Help;
using FairKd.Cli.Commands;
using FairKd.Cli.Help;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FairKd.Cli;

/// <summary>The `fairkd` application: Cocona with FairKd's help, logging and every command (Program.cs runs it; tests build it
/// in process).</summary>
internal static class FairKdApp
{
    public static CoconaApp Build(string[] args)
    {
        var builder = CoconaApp.CreateBuilder(args, options =>
        {
            options.TreatPublicMethodsAsCommands = false;
            options.EnableShellCompletionSupport = false;
        });
        // Help text: the program is `fairkd` however it is launched, and every command's help is rendered by FairKd (exact,
        // one default notation; tests/FairKd.Cli.Tests/help holds the expected text).
        builder.Services.AddSingleton<ICoconaApplicationMetadataProvider, FairKdAppMetadata>();
        builder.Services.AddTransient<ICoconaCommandHelpProvider, FairKdHelpProvider>();
        builder.Services.AddTransient<ICoconaHelpRenderer, FairKdHelpRenderer>();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.ColorBehavior = Console.IsOutputRedirected
                ? Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Disabled
                : Microsoft.Extensions.Logging.Console.LoggerColorBehavior.Default;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var app = builder.Build();
        CommandRegistry.AddAll(app);
        return app;
    }
}
