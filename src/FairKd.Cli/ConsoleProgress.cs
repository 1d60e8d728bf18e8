using Spectre.Console;

namespace FairKd.Cli;

/// <summary>
/// A progress bar with rate and ETA on a terminal (Spectre.Console); nothing when output is redirected (logs and CI
/// get the summary line only). <see cref="RunAsync"/> hands the body an <c>advance</c> callback, thread-safe.
/// </summary>
internal static class ConsoleProgress
{
    public static bool Interactive => !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static async Task RunAsync(string description, long? total, Func<Action<long>, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!Interactive)
        {
            await body(_ => { });
            return;
        }

        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new RateColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(description, maxValue: Math.Max(1, total ?? 1));
                task.IsIndeterminate = total is null;
                var gate = new Lock();
                await body(n => { lock (gate) task.Increment(n); });
                task.StopTask();
            });
    }

    /// <summary>Items per second (Spectre's transfer-speed column would print bytes/s).</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{task.Speed ?? 0:F0} img/s"));
    }
}
