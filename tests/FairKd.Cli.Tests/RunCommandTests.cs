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
