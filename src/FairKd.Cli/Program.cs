using FairKd.Cli;

// `fairkd`: one command per stage. Exit codes: 0 success, 1 the run failed, 2 bad arguments or configuration,
// 130 interrupted (see FairKd.Core.ExitCodes and README "Exit codes").
ShutdownSignals.Install();
// OneDnnIsa applies its policy from FairKd.Torch's module initializer, before LibTorch creates its first oneDNN primitive
// (README "Numerics"); commands that never touch FairKd.Torch (help, manifests, reports, ingest) do not load LibTorch.
var app = FairKdApp.Build(args);
await app.RunAsync();
return ExitCodeMapper.Map(Environment.ExitCode, CommandGuard.CommandStarted, args);
