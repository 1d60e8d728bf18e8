namespace FairKd.Core.Pipeline;

/// <summary>
/// Where a stage reports while it runs: lines for the user (<see cref="Info"/>), warnings (<see cref="Warn"/>) and the
/// progress of its long loops (<see cref="TrackAsync"/>). A stage never writes to the console itself, so a library caller
/// or a test chooses where its words go. This base class writes plain lines (progress as <see cref="ProgressLog"/> lines
/// every 10 s and at each quarter); the command line's reporter draws a progress bar on a terminal instead.
/// </summary>
/// <param name="output">Where lines and progress go (the console's standard output for the CLI).</param>
/// <param name="errors">Where warnings go (standard error for the CLI).</param>
public class StageReporter(TextWriter output, TextWriter errors)
{
    /// <summary>Reports nothing (a library call or a test that only wants the result).</summary>
    public static StageReporter Silent { get; } = new(TextWriter.Null, TextWriter.Null);

    /// <summary>Where lines and progress go.</summary>
    protected virtual TextWriter Output => output;

    /// <summary>Where warnings go.</summary>
    protected virtual TextWriter Errors => errors;

    /// <summary>A line for the user.</summary>
    public void Info(string line) => Output.WriteLine(line);

    /// <summary>Text for the user without a line end added (a table that ends in its own newline).</summary>
    public void Write(string text) => Output.Write(text);

    /// <summary>A warning; the line is prefixed with <c>warning: </c>.</summary>
    public void Warn(string line) => Errors.WriteLine("warning: " + line);

    /// <summary>
    /// Runs <paramref name="body"/>, which calls <c>advance(n)</c> (thread-safe) as items finish, and shows its progress.
    /// </summary>
    /// <param name="stage">Stage name, the prefix of each progress line.</param>
    /// <param name="total">Items the loop will do, when known (percent and ETA need it).</param>
    /// <param name="unit">What is counted: "img" or e.g. "steps".</param>
    /// <param name="body">The loop.</param>
    public virtual async Task TrackAsync(string stage, long? total, string unit, Func<Action<long>, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var output = Output;
        if (ReferenceEquals(output, TextWriter.Null))
        {
            await body(_ => { }).ConfigureAwait(false);
            return;
        }

        var log = new ProgressLog(stage, total, unit, output);
        // A stalled stage still prints a line per interval.
        var timer = new Timer(_ => log.Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        await using (timer.ConfigureAwait(false)) await body(log.Advance).ConfigureAwait(false);
    }
}
