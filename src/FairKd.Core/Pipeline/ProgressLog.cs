using System.Globalization;

namespace FairKd.Core.Pipeline;

/// <summary>
/// Progress of a long stage as plain lines, for output that is not a terminal (logs, Slurm, CI, `fairkd run` steps):
/// one line every <see cref="Interval"/> (default 10 s; also while nothing advances, through <see cref="Tick"/>) and
/// one when 25, 50 and 75 % of a known total are passed, each with done/total, the average rate since the start and
/// the ETA at that rate:
/// <code>embed: 4096/16384 img (25%), 63 img/s, elapsed 1m05s, ETA 3m15s</code>
/// The stage's own closing summary replaces a 100 % line. Thread-safe; the clock is injectable for tests.
/// </summary>
public sealed class ProgressLog
{
    /// <summary>Seconds between lines when nothing else prints one.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly string stage;
    private readonly long? total;
    private readonly string unit;
    private readonly TextWriter output;
    private readonly TimeProvider clock;
    private readonly long start;
    private readonly Lock gate = new();
    private long done;
    private TimeSpan lastLine;
    private int quartile;

    /// <summary>A progress log for <paramref name="total"/> items (null or 0: unknown) of <paramref name="stage"/>.</summary>
    /// <param name="stage">Stage name, the prefix of each line.</param>
    /// <param name="total">Items the stage will do, when known.</param>
    /// <param name="unit">What is counted ("img", "steps").</param>
    /// <param name="output">Where the lines go.</param>
    /// <param name="clock">The clock (tests inject one).</param>
    /// <param name="interval">Time between lines (default <see cref="DefaultInterval"/>).</param>
    public ProgressLog(string stage, long? total, string unit, TextWriter output, TimeProvider? clock = null, TimeSpan? interval = null)
    {
        this.stage = stage;
        this.total = total is > 0 ? total : null;
        this.unit = unit;
        this.output = output;
        this.clock = clock ?? TimeProvider.System;
        Interval = interval ?? DefaultInterval;
        if (Interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "the interval must be positive");
        start = this.clock.GetTimestamp();
    }

    /// <summary>Time between lines.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Items done so far.</summary>
    public long Done => Interlocked.Read(ref done);

    /// <summary>Counts <paramref name="n"/> more items done; prints a line when a quarter is passed or the interval is up.</summary>
    public void Advance(long n)
    {
        Interlocked.Add(ref done, n);
        Maybe();
    }

    /// <summary>Prints a line if the interval is up (called by a timer, so a stalled stage still reports).</summary>
    public void Tick() => Maybe();

    /// <summary>The line for <paramref name="count"/> items after <paramref name="elapsed"/> (exposed for tests).</summary>
    public string Line(long count, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        var rate = count / Math.Max(elapsed.TotalSeconds, 1e-9);
        var rateText = rate >= 10 ? rate.ToString("F0", inv) : rate.ToString("F1", inv);
        if (total is not { } t)
            return $"{stage}: {count.ToString(inv)} {unit}, {rateText} {unit}/s, elapsed {Duration(elapsed)}";
        var percent = Math.Min(100, (int)(100 * count / t));
        var eta = count > 0 ? Duration(TimeSpan.FromSeconds((t - Math.Min(count, t)) / rate)) : "unknown";
        return $"{stage}: {count.ToString(inv)}/{t.ToString(inv)} {unit} ({percent.ToString(inv)}%), {rateText} {unit}/s, " +
            $"elapsed {Duration(elapsed)}, ETA {eta}";
    }

    /// <summary>"42s", "3m05s", "2h07m".</summary>
    public static string Duration(TimeSpan t)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = (long)Math.Round(t.TotalSeconds);
        return s < 60 ? $"{s.ToString(inv)}s"
            : s < 3600 ? string.Create(inv, $"{s / 60}m{s % 60:D2}s")
            : string.Create(inv, $"{s / 3600}h{s / 60 % 60:D2}m");
    }

    private void Maybe()
    {
        lock (gate)
        {
            var count = Done; // read under the lock: printed counts never go backwards
            var elapsed = clock.GetElapsedTime(start);
            var q = total is { } t ? (int)Math.Min(4, 4 * count / t) : 0;
            var passedQuarter = q > quartile;
            if (passedQuarter) quartile = q;
            if ((passedQuarter && q < 4) || (elapsed - lastLine >= Interval && (total is null || count < total)))
            {
                lastLine = elapsed;
                output.WriteLine(Line(count, elapsed));
                output.Flush();
            }
        }
    }
}
