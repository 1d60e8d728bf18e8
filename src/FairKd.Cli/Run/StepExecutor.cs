using System.Diagnostics;
using System.Text.Json;
using FairKd.Core;
using FairKd.Core.Run;

namespace FairKd.Cli.Run;

/// <summary>
/// Runs one planned step as a <c>fairkd</c> child process: replaces a changed step's old output (only inside the pipeline's
/// out folder), records <c>started</c>, streams the child's output to the console and to <c>OUT/.fairkd/logs/&lt;id&gt;.log</c>,
/// and on exit 0 writes <c>fairkd-step.json</c> (the resolved step) beside the output and records <c>done</c>.
/// A resumed training step gets <c>--resume</c> when it has checkpoints. Ctrl+C kills the child's process tree.
/// </summary>
internal sealed class StepExecutor(string pipelineOut, StepStateStore store)
{
    /// <summary>Name of the resolved-step file written into every step's output folder.</summary>
    public const string StepFile = "fairkd-step.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public async Task<int> RunAsync(StepPlanEntry entry, CancellationToken ct)
    {
        var step = entry.Step;
        if (entry.Status == StepStatus.Changed) ReplaceOutput(step);
        var args = step.Args.ToList();
        if (entry.Status == StepStatus.Resume && step.Trains && HasCheckpoints(step.OutDir)) args.Add("--resume");
        var command = "fairkd " + string.Join(' ', args);
        var started = DateTimeOffset.UtcNow;
        store.Write(new StepState(step.Id, entry.Hash, StepState.Started, command, started));
        Directory.CreateDirectory(store.LogDir);
        var logPath = Path.Combine(store.LogDir, StepStateStore.FileStem(step.Id) + ".log");
        var clock = Stopwatch.StartNew();
        int exit;
        await using (var log = new StreamWriter(logPath, append: true))
        {
            await log.WriteLineAsync($"# {started:O} {command}");
            exit = await RunChildAsync(args, log, ct);
            await log.WriteLineAsync($"# exit {exit} after {clock.Elapsed.TotalSeconds:F1} s");
        }

        if (exit != 0) return exit;
        Directory.CreateDirectory(step.OutDir);
        if (step.Label is { } label) label.Write(step.OutDir);
        WriteStepFile(step, entry.Hash, args);
        store.Write(new StepState(step.Id, entry.Hash, StepState.Done, command, started, DateTimeOffset.UtcNow, Math.Round(clock.Elapsed.TotalSeconds, 1)));
        return 0;
    }

    private static async Task<int> RunChildAsync(List<string> args, StreamWriter log, CancellationToken ct)
    {
        using var p = Process.Start(SelfProcess.StartInfo(args)) ?? throw new InvalidOperationException("cannot start fairkd");
        var gate = new object();
        async Task Pump(StreamReader from, TextWriter to)
        {
            while (await from.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (gate)
                {
                    to.WriteLine(line);
                    log.WriteLine(line);
                }
            }
        }

        var pumps = Task.WhenAll(Pump(p.StandardOutput, Console.Out), Pump(p.StandardError, Console.Error));
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // Let the step stop cleanly (training writes its checkpoint), then make sure it is gone.
            ShutdownSignals.Terminate(p.Id);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await p.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }

            await pumps;
            throw;
        }

        await pumps;
        return p.ExitCode;
    }

    private void ReplaceOutput(PlannedStep step)
    {
        if (step.Stage is StepStage.Report || !Directory.Exists(step.OutDir)) return;
        var root = Path.GetFullPath(pipelineOut) + Path.DirectorySeparatorChar;
        var dir = Path.GetFullPath(step.OutDir);
        if (!dir.StartsWith(root, StringComparison.Ordinal))
            throw new UsageException($"step {step.Id} changed, but its output {step.OutDir} is outside the pipeline's out folder: remove it yourself");
        Console.WriteLine($"  {step.Id}: configuration changed, replacing {step.OutDir}");
        Directory.Delete(dir, recursive: true);
    }

    private static bool HasCheckpoints(string outDir)
    {
        var dir = Path.Combine(outDir, "checkpoints");
        return Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any();
    }

    private static void WriteStepFile(PlannedStep step, string hash, List<string> args)
    {
        var json = JsonSerializer.Serialize(new
        {
            schemaVersion = 1,
            id = step.Id,
            stage = step.Stage.ToString().ToLowerInvariant(),
            hash,
            command = args,
            dependsOn = step.DependsOn,
            inputs = new { files = step.ExternalFiles, dirs = step.ExternalDirs },
            label = step.Label,
            fairkdVersion = typeof(StepExecutor).Assembly.GetName().Version?.ToString(),
        }, Json);
        Core.IO.AtomicFile.WriteAllText(Path.Combine(step.OutDir, StepFile), json + "\n");
    }
}
