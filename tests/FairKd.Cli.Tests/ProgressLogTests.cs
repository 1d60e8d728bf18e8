using System.Text.RegularExpressions;
using FairKd.Core.Pipeline;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>Progress for logs: lines every interval and at 25/50/75 % with done/total, rate and ETA (a manual clock, so
/// nothing waits 10 s), and the long stages of the CLI printing them when stdout is not a terminal.</summary>
public partial class ProgressLogTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref ticks);

        public void Add(TimeSpan t) => Interlocked.Add(ref ticks, t.Ticks);
    }

    [GeneratedRegex(@": (\d+)/")]
    private static partial Regex DoneCount();

    private static List<long> Counts(StringWriter w) =>
        [.. w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => long.Parse(DoneCount().Match(l).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public void A_line_every_interval_and_at_each_quarter_but_not_at_the_end()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var log = new ProgressLog("embed", 100, "img", output, clock, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 100; i++)
        {
            clock.Add(TimeSpan.FromSeconds(1));
            log.Advance(1);
        }

        // Interval lines at 10 s and 20 s, the quarter at 25 restarts the interval: 35, 45, quarter 50, 60, 70, quarter 75, 85, 95.
        Assert.Equal([10, 20, 25, 35, 45, 50, 60, 70, 75, 85, 95], Counts(output));
        var lines = output.ToString().Split('\n');
        Assert.Equal("embed: 25/100 img (25%), 1.0 img/s, elapsed 25s, ETA 1m15s", lines[2]);
        Assert.Equal("embed: 95/100 img (95%), 1.0 img/s, elapsed 1m35s, ETA 5s", lines[10]);
    }

    [Fact]
    public void Big_batches_print_each_quarter_once_and_a_stalled_stage_still_reports()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var log = new ProgressLog("train", 1000, "steps", output, clock, TimeSpan.FromSeconds(10));
        clock.Add(TimeSpan.FromSeconds(2));
        log.Tick();
        Assert.Equal("", output.ToString());
        clock.Add(TimeSpan.FromSeconds(8));
        log.Tick(); // nothing done after 10 s: a line anyway, without an ETA
        Assert.Equal("train: 0/1000 steps (0%), 0.0 steps/s, elapsed 10s, ETA unknown\n", output.ToString().ReplaceLineEndings("\n"));
        clock.Add(TimeSpan.FromSeconds(1));
        log.Advance(600); // passes 25 % and 50 % in one call: one line
        clock.Add(TimeSpan.FromSeconds(1));
        log.Advance(100); // 70 %, no quarter passed, interval not up
        log.Advance(300); // done: the stage's own summary line follows, no 100 % line
        clock.Add(TimeSpan.FromSeconds(30));
        log.Tick();
        Assert.Equal([0, 600], Counts(output));
        Assert.Contains("train: 600/1000 steps (60%), 55 steps/s, elapsed 11s, ETA 7s", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_total_lines_show_count_and_rate_only()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var log = new ProgressLog("ingest", null, "img", output, clock, TimeSpan.FromSeconds(10));
        clock.Add(TimeSpan.FromSeconds(12));
        log.Advance(3000);
        Assert.Equal("ingest: 3000 img, 250 img/s, elapsed 12s", output.ToString().Trim());
    }

    [Fact]
    public void Concurrent_advances_are_all_counted_and_printed_counts_never_go_back()
    {
        var clock = new ManualClock();
        var output = new StringWriter();
        var log = new ProgressLog("eval", 80_000, "img", output, clock, TimeSpan.FromMilliseconds(1));
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                if (i % 100 == 0) clock.Add(TimeSpan.FromMilliseconds(1));
                log.Advance(1);
            }
        });
        Assert.Equal(80_000, log.Done);
        var counts = Counts(output);
        Assert.True(counts.Count >= 3, output.ToString());
        Assert.Equal(counts.Order(), counts);
    }

    [Fact]
    public void Durations_read_as_seconds_minutes_or_hours()
    {
        Assert.Equal("0s", ProgressLog.Duration(TimeSpan.Zero));
        Assert.Equal("59s", ProgressLog.Duration(TimeSpan.FromSeconds(59.4)));
        Assert.Equal("3m05s", ProgressLog.Duration(TimeSpan.FromSeconds(185)));
        Assert.Equal("2h07m", ProgressLog.Duration(TimeSpan.FromMinutes(127)));
    }

    [Fact]
    public void Long_stages_print_progress_lines_when_stdout_is_not_a_terminal()
    {
        // ProcessRunner redirects stdout, as a log file or Slurm does: each stage prints its quarter lines.
        var quarter = @"(: \d+/\d+ {0} \(\d+%\), [\d.]+ {0}/s, elapsed \d+s, ETA (\d+s|\d+m\d\ds)\n)";
        var ingest = ProcessRunner.Fairkd("ingest", "--dataset", fx.Real, "--out", fx.Dir.Combine("p-ingest"));
        Assert.True(ingest.ExitCode == 0, ingest.ToString());
        Assert.Matches("ingest" + string.Format(System.Globalization.CultureInfo.InvariantCulture, quarter, "img"), ingest.StdOut);
        Assert.Contains("(50%)", ingest.StdOut, StringComparison.Ordinal);

        var embed = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--ethnicity-from-folders", "--out", fx.Dir.Combine("p-embed"));
        Assert.True(embed.ExitCode == 0, embed.ToString());
        Assert.Matches("embed" + string.Format(System.Globalization.CultureInfo.InvariantCulture, quarter, "img"), embed.StdOut);

        var eval = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--lfw", $"lfw={fx.Data}/lfw/pairs.txt:{fx.Data}/lfw", "--batch-size", "4", "--out", fx.Dir.Combine("p-eval"));
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Matches("eval" + string.Format(System.Globalization.CultureInfo.InvariantCulture, quarter, "img"), eval.StdOut);

        // One intra-op thread: on the 2-core development machine this tiny network's first step comes out NaN with two
        // threads (already so before this test existed); the test is about the progress lines.
        var train = ProcessRunner.Fairkd("train", "--dataset", fx.Real, "--model", EmbedFixture.Spec, "--loss", "cosface", "--epochs", "2", "--batch-size", "8", "--seed", "4", "--threads", "1",
            "--out", fx.Dir.Combine("p-train"));
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Matches("train" + string.Format(System.Globalization.CultureInfo.InvariantCulture, quarter, "steps"), train.StdOut);
    }
}
