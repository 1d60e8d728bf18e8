using FairKd.Core.Pipeline;
using Spectre.Console;

namespace FairKd.Cli;

/// <summary>
/// A stage's words on the console: lines on stdout, warnings on stderr, and the progress of a long stage (ingest, embed,
/// train, eval, demo-data) as a bar with percent, ETA and rate on a terminal (Spectre.Console); otherwise (logs, CI,
/// `fairkd run` steps) the plain <see cref="ProgressLog"/> lines of <see cref="StageReporter"/> every 10 s and at 25/50/75 %.
/// </summary>
internal sealed class ConsoleReporter() : StageReporter(TextWriter.Null, TextWriter.Null)
{
    // The console's writers at the time of each call (a test may redirect them).
    protected override TextWriter Output => Console.Out;

    protected override TextWriter Errors => Console.Error;

    /// <summary>The console's reporter.</summary>
    public static ConsoleReporter Instance { get; } = new();

    public static bool Interactive => !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public override async Task TrackAsync(string stage, long? total, string unit, Func<Action<long>, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!Interactive)
        {
            await base.TrackAsync(stage, total, unit, body);
            return;
        }

        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new RateColumn(unit), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(stage, maxValue: Math.Max(1, total ?? 1));
                task.IsIndeterminate = total is null;
                var gate = new Lock();
                await body(n => { lock (gate) task.Increment(n); });
                task.StopTask();
            });
    }

    /// <summary>Items per second (Spectre's transfer-speed column would print bytes/s).</summary>
    private sealed class RateColumn(string unit) : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{task.Speed ?? 0:F0} {unit}/s"));
    }
}
