using Cocona;
using FairKd.Cli;
using FairKd.Cli.Commands;
using Microsoft.Extensions.Logging;

// `fairkd`: one command per stage. Exit codes: 0 success, 1 the run failed, 2 bad arguments or configuration,
// 130 interrupted (see FairKd.Core.ExitCodes and README "Exit codes").
ShutdownSignals.Install();
FairKd.Torch.Runtime.OneDnnIsa.Apply(); // before LibTorch creates its first oneDNN primitive (README "Numerics")
var builder = CoconaApp.CreateBuilder(args, options =>
{
    options.TreatPublicMethodsAsCommands = false;
    options.EnableShellCompletionSupport = false;
});
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
