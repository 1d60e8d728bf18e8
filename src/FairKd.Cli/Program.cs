using Cocona;
using Cocona.Application;
using Cocona.Help;
using FairKd.Cli;
using FairKd.Cli.Commands;
using FairKd.Cli.Help;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// `fairkd`: one command per stage. Exit codes: 0 success, 1 the run failed, 2 bad arguments or configuration,
// 130 interrupted (see FairKd.Core.ExitCodes and README "Exit codes").
ShutdownSignals.Install();
// OneDnnIsa applies its policy from FairKd.Torch's module initializer, before LibTorch creates its first oneDNN primitive
// (README "Numerics"); commands that never touch FairKd.Torch (help, manifests, reports, ingest) do not load LibTorch.
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
await app.RunAsync();
return ExitCodeMapper.Map(Environment.ExitCode, CommandGuard.CommandStarted, args);
