using FairKd.Core.Pipeline;

namespace FairKd.Core.Tests.Pipeline;

/// <summary>Where a stage's words go: lines and progress to one writer, warnings (prefixed) to the other, nothing when silent.</summary>
public class StageReporterTests
{
    [Fact]
    public async Task Lines_warnings_and_progress_go_where_they_were_sent()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var reporter = new StageReporter(output, errors);
        reporter.Info("train: 3 steps");
        reporter.Write("| table |\n");
        reporter.Warn("2 images rejected");
        long done = 0;
        await reporter.TrackAsync("eval", 8, "img", advance =>
        {
            for (var i = 0; i < 8; i++) advance(1);
            done = 8;
            return Task.CompletedTask;
        });
        Assert.Equal(8, done);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["train: 3 steps", "| table |"], lines[..2]);
        // the quarter lines of ProgressLog: 2/8, 4/8, 6/8 (the stage's own summary replaces a 100 % line)
        Assert.Equal(["eval: 2/8 img", "eval: 4/8 img", "eval: 6/8 img"], lines[2..].Select(l => l[..l.IndexOf(" (", StringComparison.Ordinal)]));
        Assert.Equal("warning: 2 images rejected\n", errors.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Silent_runs_the_body_and_says_nothing()
    {
        var calls = 0;
        await StageReporter.Silent.TrackAsync("embed", 3, "img", advance =>
        {
            advance(3);
            calls++;
            return Task.CompletedTask;
        });
        StageReporter.Silent.Info("nobody hears this");
        StageReporter.Silent.Warn("nor this");
        Assert.Equal(1, calls);
    }
}
