using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd run` on a pipeline with only the demo-data step: plan, run, skip, change, refuse.</summary>
public class RunCommandTests
{
    private static string WritePipeline(TempDir dir, int seed = 3)
    {
        var path = dir.Combine("p.json");
        File.WriteAllText(path, $$"""
            {
              // data only
              "schemaVersion": 1,
              "name": "data-only",
              "vars": { "root": "{{dir.Combine("out")}}", "seed": "ignored" },
              "out": "${root}",
              "demoData": { "out": "${root}/data", "scale": "tiny", "seed": {{seed}} },
            }
            """);
        return path;
    }

    [Fact]
    public void Runs_a_step_once_then_skips_it_and_redoes_it_when_its_configuration_changes()
    {
        using var dir = new TempDir("cli-run");
        var pipeline = WritePipeline(dir);
        var r = ProcessRunner.Fairkd("run", pipeline, "--dry-run", "--commands");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"1\s+run\s+\S+\s+data", r.StdOut);
        Assert.Contains("fairkd demo-data --out", r.StdOut, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("out", "data")));

        r = ProcessRunner.Fairkd("run", pipeline);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(dir.Combine("out", "data", "demo-data.json")));
        Assert.True(File.Exists(dir.Combine("out", "data", "fairkd-step.json")));
        Assert.Contains("\"status\": \"done\"", File.ReadAllText(dir.Combine("out", ".fairkd", "steps", "data.json")), StringComparison.Ordinal);
        Assert.Contains("wrote", File.ReadAllText(dir.Combine("out", ".fairkd", "logs", "data.log")), StringComparison.Ordinal);

        r = ProcessRunner.Fairkd("run", pipeline);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("everything is up to date", r.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"1\s+up-to-date", r.StdOut);

        WritePipeline(dir, seed: 4);
        r = ProcessRunner.Fairkd("run", pipeline);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("configuration changed", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"seed\": 4", File.ReadAllText(dir.Combine("out", "data", "demo-data.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Inputs_made_by_an_earlier_step_of_the_same_run_do_not_make_the_next_run_redo_it()
    {
        // The eval step reads pair lists the data step writes: they must be fingerprinted when the step runs, not when
        // the run was planned (they did not exist yet), or every later run would see the eval step as changed.
        using var dir = new TempDir("cli-run-eval");
        var pipeline = dir.Combine("p.json");
        File.WriteAllText(pipeline, $$"""
            {
              "schemaVersion": 1,
              "vars": { "root": "{{dir.Combine("out")}}" },
              "out": "${root}",
              "demoData": { "out": "${root}/data", "scale": "tiny", "seed": 2 },
              "teachers": { "t": { "model": "iresnet18:width=0.03125,emb=16", "loss": "arcface", "weights": "{{RepoPaths.Golden("models/r18t.pth")}}" } },
              "eval": { "lfw": [ { "name": "lfw", "pairs": "${root}/data/lfw/pairs.txt", "root": "${root}/data/lfw" } ] },
              "report": {}
            }
            """);
        var r = ProcessRunner.Fairkd("run", pipeline);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("run: 3 steps done", r.StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.Combine("out", "report.md")));
        r = ProcessRunner.Fairkd("run", pipeline);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("everything is up to date", r.StdOut, StringComparison.Ordinal);

        // --only one stage: after the report folder's state is dropped, only that step runs
        File.Delete(dir.Combine("out", ".fairkd", "steps", "report.json"));
        r = ProcessRunner.Fairkd("run", pipeline, "--only", "report");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("run: 1 steps done", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("== [1/1] report", r.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--only", "teachr", "no stage or step by that name")]
    [InlineData("--var", "nope=1", "no variable 'nope'")]
    [InlineData("--var", "novalue", "use NAME=VALUE")]
    public void Bad_arguments_exit_two(string option, string value, string message)
    {
        using var dir = new TempDir("cli-run-bad");
        var r = ProcessRunner.Fairkd("run", WritePipeline(dir), option, value, "--dry-run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_broken_pipeline_file_exits_two()
    {
        using var dir = new TempDir("cli-run-bad");
        var r = ProcessRunner.Fairkd("run", dir.Combine("none.json"));
        Assert.True(r.ExitCode == 2, r.ToString());
        File.WriteAllText(dir.Combine("bad.json"), "{ \"schemaVersion\": 1, \"out\": \"x\", \"teachers\": { \"t\": { \"model\": \"iresnet18\", \"loss\": \"arcface\" } } }");
        r = ProcessRunner.Fairkd("run", dir.Combine("bad.json"), "--dry-run");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("teachers.t: give either", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_study_dry_run_lists_every_model_with_costs()
    {
        var r = ProcessRunner.Fairkd("run", Path.Combine(RepoPaths.Root, "pipelines/study.json"), "--dry-run", "--var", "out=" + Path.Combine(Path.GetTempPath(), "fairkd-study-plan"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("trained models: 36 (2 teachers, 34 students)", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("36. student mbf-adaface-idiff-scratch", r.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"to run: 80 of 80 steps, estimated \d+h\d\dm", r.StdOut);
    }
}
