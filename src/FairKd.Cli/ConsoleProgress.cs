using Spectre.Console;

namespace FairKd.Cli;

/// <summary>
/// Progress of a long stage (ingest, embed, train, eval, demo-data): on a terminal a bar with percent, ETA and rate
/// (Spectre.Console); otherwise (logs, CI, `fairkd run` steps) plain lines from <see cref="ProgressLog"/> on stdout every
/// 10 s and at 25/50/75 %. <see cref="RunAsync"/> hands the body an <c>advance</c> callback, thread-safe.
/// </summary>
internal static class ConsoleProgress
{
    public static bool Interactive => !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <param name="description">Stage name, the prefix of each line.</param>
    /// <param name="total">Items the stage will do, when known (percent and ETA need it).</param>
    /// <param name="body">The stage; calls <c>advance(n)</c> as items finish.</param>
    /// <param name="unit">What is counted: "img" (default) or e.g. "steps".</param>
    public static async Task RunAsync(string description, long? total, Func<Action<long>, Task> body, string unit = "img")
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!Interactive)
        {
            var log = new ProgressLog(description, total, unit, Console.Out);
            // A stalled stage still prints a line per interval.
            await using var timer = new Timer(_ => log.Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            await body(log.Advance);
            return;
        }

        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new RateColumn(unit), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(description, maxValue: Math.Max(1, total ?? 1));
                task.IsIndeterminate = total is null;
                var gate = new Lock();
                await body(n => { lock (gate) task.Increment(n); });
                task.StopTask();
            });
    }

    /// <summary>An <see cref="IProgress{T}"/> that calls <paramref name="advance"/> on the reporting thread (a stage's
    /// progress into <see cref="RunAsync"/>'s callback; System.Progress would post to the thread pool).</summary>
    public static IProgress<long> Reporter(Action<long> advance) => new Callback(advance);

    private sealed class Callback(Action<long> advance) : IProgress<long>
    {
        public void Report(long value) => advance(value);
    }

    /// <summary>Items per second (Spectre's transfer-speed column would print bytes/s).</summary>
    private sealed class RateColumn(string unit) : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{task.Speed ?? 0:F0} {unit}/s"));
    }
}
