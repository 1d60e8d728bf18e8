using Cocona;
using FairKd.Cli.Run;
using FairKd.Core;
using FairKd.Core.Run;
using FairKd.Stages.Run;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd run`: plan a pipeline file into fairkd steps and run the ones that are not up to date.</summary>
internal sealed class RunCommand
{
    [Command("run", Description =
        "Run a pipeline file (datasets, teachers, ethnicity labels, caches, manifests, a grid of students, evaluation, report) " +
        "like make: each step is a fairkd command; steps whose configuration and inputs are unchanged are skipped, killed ones resume. " +
        "--dry-run prints the plan with estimated costs from the pipeline's measured rates.\n" +
        "  example: fairkd run pipelines/study.json --dry-run --var bupt=/data/BUPT")]
    public Task<int> Run(
        [Argument(Description = "pipeline JSON file")] string pipeline,
        [Option("dry-run", Description = "print the plan (status and estimated cost of every step) and exit")] bool dryRun = false,
        [Option("only", Description = "run only steps of this stage (data, teacher, ethnicity, embed, manifest, student, eval, report) or with this id (or id prefix ending in '/'); repeatable")] string[]? only = null,
        [Option("var", Description = "NAME=VALUE: override a variable of the pipeline; repeatable")] string[]? var = null,
        [Option("commands", Description = "with --dry-run: also print every step's command line")] bool commands = false,
        [Option(Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        CommandGuard.RunAsync(verbose, ct => RunAsync(pipeline, dryRun, only ?? [], var ?? [], commands, ct), context?.CancellationToken ?? CancellationToken.None);

    private static async Task<int> RunAsync(string pipeline, bool dryRun, string[] only, string[] vars, bool commands, CancellationToken ct)
    {
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in vars)
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new UsageException($"--var {v}: use NAME=VALUE");
            overrides[v[..eq]] = v[(eq + 1)..];
        }

        var doc = PipelineLoader.Load(pipeline, overrides);
        var steps = PipelinePlanner.Plan(doc, ManifestImages);
        var store = new StepStateStore(doc.Out);
        var plan = StepStatusEvaluator.Evaluate(steps, store);
        var selected = Select(plan, only);
        Console.Write(PlanPrinter.Describe(doc, plan, commands));
        if (dryRun) return ExitCodes.Success;

        var executor = new StepExecutor(doc.Out, store);
        var selectedIds = selected.Select(e => e.Step.Id).ToHashSet(StringComparer.Ordinal);
        var total = selected.Count(e => e.WillRun);
        var attempted = new HashSet<string>(StringComparer.Ordinal);
        var ran = 0;
        while (true)
        {
            // Re-evaluated before every step: inputs that earlier steps produced (e.g. the demo data's pair lists) are
            // fingerprinted as they are when the step runs, so the recorded hash matches the next run's.
            var current = StepStatusEvaluator.Evaluate(steps, store);
            var e = current.FirstOrDefault(x => selectedIds.Contains(x.Step.Id) && x.WillRun && !attempted.Contains(x.Step.Id));
            if (e is null) break;
            attempted.Add(e.Step.Id);
            ran++;
            Console.WriteLine($"== [{ran}/{Math.Max(total, ran)}] {e.Step.Id} ({e.Status.ToString().ToLowerInvariant()}, est. {CostModel.Format(CostModel.Seconds(e.Step, doc.Rates))})");
            Console.WriteLine($"   {e.Step.CommandLine}");
            var exit = await executor.RunAsync(e, ct);
            if (exit != 0)
            {
                Console.Error.WriteLine($"error: step {e.Step.Id} failed (exit {exit}); its log is in {store.LogDir}. Fix it and rerun: finished steps are kept.");
                return exit == ExitCodes.Interrupted ? ExitCodes.Interrupted : ExitCodes.Failed;
            }
        }

        Console.WriteLine(ran == 0 ? "run: everything is up to date" : $"run: {ran} steps done; state in {store.Dir}");
        return ExitCodes.Success;
    }

    private static List<StepPlanEntry> Select(IReadOnlyList<StepPlanEntry> plan, string[] only)
    {
        if (only.Length == 0) return [.. plan];
        var stages = Enum.GetNames<StepStage>().Select(s => s.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        foreach (var o in only)
        {
            if (!stages.Contains(o) && !plan.Any(e => Matches(e.Step, o)))
                throw new UsageException($"--only {o}: no stage or step by that name (stages: {string.Join(", ", stages)})");
        }

        var selected = plan.Where(e => only.Any(o => Matches(e.Step, o))).ToList();
        var ids = selected.Select(e => e.Step.Id).ToHashSet(StringComparer.Ordinal);
        var byId = plan.ToDictionary(e => e.Step.Id, StringComparer.Ordinal);
        foreach (var e in selected.Where(e => e.WillRun))
        {
            var stale = e.Step.DependsOn.Where(d => !ids.Contains(d) && byId[d].WillRun).ToList();
            if (stale.Count > 0)
                throw new UsageException($"--only: step {e.Step.Id} needs {string.Join(", ", stale)}, which is not up to date; run those first or drop --only");
        }

        return selected;
    }

    private static bool Matches(PlannedStep s, string o) =>
        string.Equals(s.Stage.ToString(), o, StringComparison.OrdinalIgnoreCase) || s.Id == o || (o.EndsWith('/') && s.Id.StartsWith(o, StringComparison.Ordinal));

    private static long? ManifestImages(string dir)
    {
        var samples = Path.Combine(dir, "samples.csv");
        return File.Exists(samples) ? Math.Max(0, File.ReadLines(samples).LongCount() - 1) : null;
    }
}
