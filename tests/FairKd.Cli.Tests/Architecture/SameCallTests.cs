using FairKd.Core.Pipeline;
using FairKd.Core.Run;
using FairKd.Data.Demo;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using FairKd.Stages.Run;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// A stage's options record and its command line are the same call: a record's <c>ToArgs()</c> parses back (through the
/// real `fairkd` command, in process, the stage not run) to an equal record, and a command line gives the record a library
/// caller would build. `fairkd run` runs exactly <c>ToArgs()</c> of the records its planner builds.
/// </summary>
public sealed class SameCallTests
{
    [Fact]
    public async Task Ingest_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new IngestOptions { OutDir = "/tmp/out", Datasets = ["bupt=/data/bupt:group/identity/image"] });
        await SameCall.AssertRoundTripAsync(new IngestOptions
        {
            OutDir = "out dir", Datasets = ["a=/x", "b=/y:flat"], Recs = ["ms1m=/r/train.rec"], PathLists = ["p=/l.txt"], LandmarkFiles = ["a=/a.txt"],
            Unaligned = UnalignedPolicy.CenterCrop, WriteAligned = "/tmp/aligned", Workers = 7,
        });
        var parsed = await SameCall.ParseAsync(["ingest", "--dataset", "a=/x", "--out", "o", "--unaligned", "center-crop"]);
        Assert.Equal(SameCall.Json(new IngestOptions { OutDir = "o", Datasets = ["a=/x"], Unaligned = UnalignedPolicy.CenterCrop }), SameCall.Json(parsed));
    }

    [Fact]
    public async Task The_check_sees_a_value_the_command_line_loses()
    {
        // A record whose ToArgs forgot a value is caught: Workers = 7 written without --workers parses back to the default.
        var options = new IngestOptions { OutDir = "o", Datasets = ["a=/x"], Workers = 7 };
        var lossy = await SameCall.ParseAsync([.. options.ToArgs().Where((a, i) => a != "--workers" && (i == 0 || options.ToArgs()[i - 1] != "--workers"))]);
        Assert.NotEqual(SameCall.Json(options), SameCall.Json(lossy));
    }

    [Fact]
    public async Task Demo_data_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new DemoDataRequest { OutDir = "d" });
        await SameCall.AssertRoundTripAsync(new DemoDataRequest { OutDir = "d", Scale = "tiny", Seed = 9, Workers = 3 });
    }

    [Theory]
    [InlineData("pipelines/demo.json")]
    [InlineData("pipelines/study.json")]
    public async Task Every_step_of_a_pipeline_is_the_call_its_command_line_makes(string file)
    {
        // `fairkd run` runs step.Args (the record's ToArgs) as a child `fairkd`: that command line must build the very
        // record the planner built, for every step of the committed pipelines (every stage kind occurs in the study's).
        var steps = PipelinePlanner.Plan(PipelineLoader.Load(Path.Combine(RepoPaths.Root, file)));
        Assert.Contains(steps, s => s.Stage == StepStage.Embed);
        foreach (var step in steps)
        {
            var parsed = await SameCall.ParseAsync(step.Args);
            Assert.True(SameCall.Json(step.Options) == SameCall.Json(parsed), $"step {step.Id}: `{step.CommandLine}` builds\n{SameCall.Json(parsed)}\nnot the planned\n{SameCall.Json(step.Options)}");
        }
    }

    [Fact]
    public async Task A_positional_argument_that_looks_like_an_option_survives_the_command_line()
    {
        // A run folder or recipe named "-x" would be read as an option: its command line puts it after "--".
        var report = new FairKd.Stages.Report.ReportOptions { EvalDirs = ["-odd", "plain"], OutDir = "o", Seed = 3 };
        Assert.Equal(["report", "--out", "o", "--seed", "3", "--", "-odd", "plain"], report.ToArgs());
        await SameCall.AssertRoundTripAsync(report);
        await SameCall.AssertRoundTripAsync(new FairKd.Data.Manifest.ManifestOptions { Recipe = "-recipe.json", Caches = ["c"], OutDir = "o" });
        await SameCall.AssertRoundTripAsync(new FairKd.Data.Manifest.ManifestCardOptions { Release = "-rel", Recipe = "r.json" });
        await SameCall.AssertRoundTripAsync(new FairKd.Data.Manifest.Audit.ManifestAuditOptions { Release = "-rel", Caches = ["c"], Eval = ["lfw=e"], OutDir = "o" });
        // an ordinary command line is unchanged: positionals first
        Assert.Equal(["report", "a", "--out", "o"], new FairKd.Stages.Report.ReportOptions { EvalDirs = ["a"], OutDir = "o" }.ToArgs());
        Assert.Equal(["fit", "--n", "1", "--", "-a"], StageArgs.With(["fit"], ["-a", null], ["--n", "1"]));
    }
}
