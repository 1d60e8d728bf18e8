using System.Diagnostics;
using System.Text.Json;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd run` end to end on tiny demo data (tests/FairKd.Cli.Tests/Run/tiny.json): every stage, the report,
/// a rerun that does nothing, and a run killed half-way that resumes without redoing finished steps.</summary>
public class RunPipelineTests
{
    private static string Setup(TempDir dir)
    {
        var recipes = dir.Combine("recipes");
        Directory.CreateDirectory(recipes);
        File.WriteAllText(Path.Combine(recipes, "real.json"), TestRecipes.WithReleaseFields("""{ "name": "real", "kind": "real", "real": ["real"], "protocol": "protocol_e" }"""));
        File.WriteAllText(Path.Combine(recipes, "mix.json"), TestRecipes.WithReleaseFields("""
            { "name": "mix", "kind": "mix", "real": ["real"], "synthetic": ["synthetic-a", "synthetic-b"], "protocol": "multiple_forces",
              "target": { "keepIdentities": 16 }, "mode": "quota", "realFraction": 0.5, "fractionBy": "identities" }
            """));
        return Path.Combine(RepoPaths.Root, "tests/FairKd.Cli.Tests/Run/tiny.json");
    }

    private static string[] Args(TempDir dir, string pipeline, params string[] more) =>
        ["run", pipeline, "--var", "root=" + dir.Combine("run"), "--var", "recipes=" + dir.Combine("recipes"), .. more];

    private static Dictionary<string, string> DoneStates(TempDir dir)
    {
        var states = dir.Combine("run", ".fairkd", "steps");
        return !Directory.Exists(states)
            ? []
            : Directory.GetFiles(states, "*.json")
                .Select(f => (f, doc: JsonDocument.Parse(File.ReadAllText(f)).RootElement))
                .Where(t => t.doc.GetProperty("status").GetString() == "done")
                .ToDictionary(t => t.doc.GetProperty("id").GetString()!, t => t.doc.GetProperty("finishedAt").GetString()!);
    }

    [Fact]
    public void Killed_half_way_the_rerun_keeps_finished_steps_and_completes_with_a_report()
    {
        using var dir = new TempDir("run-tiny");
        var pipeline = Setup(dir);
        var plan = ProcessRunner.Fairkd(Args(dir, pipeline, "--dry-run"));
        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Contains("trained models: 3 (1 teachers, 2 students) + the ethnicity classifier", plan.StdOut, StringComparison.Ordinal);
        var total = plan.StdOut.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\d+\s+run\s"));

        var (p, _) = ProcessRunner.StartFairkd(Args(dir, pipeline));
        using (p)
        {
            var deadline = Stopwatch.StartNew();
            while (DoneStates(dir).Count < 5 && deadline.Elapsed < TimeSpan.FromMinutes(3) && !p.HasExited) Thread.Sleep(100);
            Assert.False(p.HasExited, "the run finished before it could be killed");
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        var before = DoneStates(dir);
        Assert.InRange(before.Count, 5, total - 1);
        var r = ProcessRunner.FairkdWithTimeout(TimeSpan.FromMinutes(5), Args(dir, pipeline));
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (var id in before.Keys) Assert.Matches($@"\d+\s+up-to-date\s+\S+\s+{System.Text.RegularExpressions.Regex.Escape(id)}\s", r.StdOut);
        var after = DoneStates(dir);
        Assert.Equal(total, after.Count);
        foreach (var (id, finished) in before) Assert.Equal(finished, after[id]);

        var report = File.ReadAllText(dir.Combine("run", "report.md"));
        Assert.Contains("s-ada-mix-kd", report, StringComparison.Ordinal);
        Assert.Contains("teacher-t", report, StringComparison.Ordinal);
        Assert.True(File.Exists(dir.Combine("run", "students", "s-ada-mix-scratch", "fairkd-step.json")));
        Assert.True(File.Exists(dir.Combine("run", "eval", "s-ada-mix-kd", "run.json")));
        Assert.True(File.Exists(dir.Combine("run", "manifests", "mix", "card.md")) && File.Exists(dir.Combine("run", "manifests", "real", "card.md")));

        r = ProcessRunner.Fairkd(Args(dir, pipeline));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("everything is up to date", r.StdOut, StringComparison.Ordinal);
    }
}
