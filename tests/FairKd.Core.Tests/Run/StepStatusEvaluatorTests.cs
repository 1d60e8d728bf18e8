using FairKd.Core.Pipeline;
using FairKd.Core.Run;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Run;

public class StepStatusEvaluatorTests
{
    private static List<PlannedStep> Chain(string root, string teacherArg = "--epochs", string? recipe = null) =>
    [
        new("teacher/t", StepStage.Teacher, new Line("train", teacherArg), Path.Combine(root, "t"), [], [], ["/data"], 10, ["train"]),
        new("cache/c", StepStage.Embed, new Line("embed"), Path.Combine(root, "c"), ["teacher/t"], recipe is null ? [] : [recipe], [], 10, ["embed"]),
        new("manifest/m", StepStage.Manifest, new Line("manifest"), Path.Combine(root, "m"), ["cache/c"], [], [], 10, ["manifest"]),
    ];

    private static void MarkDone(StepStateStore store, StepPlanEntry e)
    {
        Directory.CreateDirectory(e.Step.OutDir);
        store.Write(new StepState(e.Step.Id, e.Hash, StepState.Done, "x", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1));
    }

    [Fact]
    public void New_then_up_to_date_then_changed_downstream()
    {
        using var tmp = new TempDir("state");
        var store = new StepStateStore(tmp.Path);
        var plan = StepStatusEvaluator.Evaluate(Chain(tmp.Path), store);
        Assert.All(plan, e => Assert.Equal(StepStatus.New, e.Status));
        foreach (var e in plan) MarkDone(store, e);
        Assert.All(StepStatusEvaluator.Evaluate(Chain(tmp.Path), store), e => Assert.Equal(StepStatus.UpToDate, e.Status));

        // a changed teacher argument changes the teacher's hash and, through it, every step below
        var changed = StepStatusEvaluator.Evaluate(Chain(tmp.Path, "--epochs=3"), store);
        Assert.All(changed, e => Assert.Equal(StepStatus.Changed, e.Status));
    }

    [Fact]
    public void Killed_step_resumes_and_its_dependents_wait()
    {
        using var tmp = new TempDir("state");
        var store = new StepStateStore(tmp.Path);
        var plan = StepStatusEvaluator.Evaluate(Chain(tmp.Path), store);
        foreach (var e in plan) MarkDone(store, e);
        store.Write(new StepState("cache/c", plan[1].Hash, StepState.Started, "x", DateTimeOffset.UnixEpoch));
        var now = StepStatusEvaluator.Evaluate(Chain(tmp.Path), store);
        Assert.Equal([StepStatus.UpToDate, StepStatus.Resume, StepStatus.Waiting], now.Select(e => e.Status));
    }

    [Fact]
    public void Input_file_content_and_missing_output_are_detected()
    {
        using var tmp = new TempDir("state");
        var recipe = tmp.Combine("recipe.json");
        File.WriteAllText(recipe, "{\"a\": 1}");
        var store = new StepStateStore(tmp.Path);
        foreach (var e in StepStatusEvaluator.Evaluate(Chain(tmp.Path, recipe: recipe), store)) MarkDone(store, e);
        File.WriteAllText(recipe, "{\"a\": 2}");
        Assert.Equal([StepStatus.UpToDate, StepStatus.Changed, StepStatus.Changed],
            StepStatusEvaluator.Evaluate(Chain(tmp.Path, recipe: recipe), store).Select(e => e.Status));
        File.WriteAllText(recipe, "{\"a\": 1}");
        Directory.Delete(tmp.Combine("t"));
        Assert.Equal([StepStatus.New, StepStatus.Waiting, StepStatus.Waiting],
            StepStatusEvaluator.Evaluate(Chain(tmp.Path, recipe: recipe), store).Select(e => e.Status));
    }

    [Fact]
    public void Corrupt_state_file_means_the_step_reruns()
    {
        using var tmp = new TempDir("state");
        var store = new StepStateStore(tmp.Path);
        Directory.CreateDirectory(store.Dir);
        File.WriteAllText(Path.Combine(store.Dir, "teacher~t.json"), "{ not json");
        Assert.Null(store.Read("teacher/t"));
        Assert.Equal(StepStatus.New, StepStatusEvaluator.Evaluate(Chain(tmp.Path), store)[0].Status);
    }

    [Fact]
    public void Cost_uses_the_most_specific_rate()
    {
        var step = new PlannedStep("s", StepStage.Student, new Line("train"), "o", [], [], [], 3600, ["train:iresnet18:width=0.5", "train:iresnet18", "train"]);
        Assert.Equal(1800, CostModel.Seconds(step, new Dictionary<string, double> { ["train:iresnet18"] = 2, ["train"] = 1 }));
        Assert.Equal(3600, CostModel.Seconds(step, new Dictionary<string, double> { ["train"] = 1 }));
        Assert.Null(CostModel.Seconds(step, new Dictionary<string, double> { ["embed"] = 1 }));
        Assert.Equal("1h00m", CostModel.Format(3600));
        Assert.Equal("2m05s", CostModel.Format(125));
        Assert.Equal("?", CostModel.Format(null));
    }

    /// <summary>A step's command line as given (the evaluator sees only <see cref="IStageOptions.ToArgs"/>).</summary>
    private sealed class Line(params string[] args) : IStageOptions
    {
        public IReadOnlyList<string> ToArgs() => args;
    }
}
