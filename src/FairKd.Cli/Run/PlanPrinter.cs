using System.Text;
using FairKd.Core.Run;

namespace FairKd.Cli.Run;

/// <summary>The plan as text: one line per step (status, estimated cost, id), the trained models, and totals.</summary>
internal static class PlanPrinter
{
    public static string Describe(PipelineDocument doc, IReadOnlyList<StepPlanEntry> plan, bool commands)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"pipeline {doc.Name}: {plan.Count} steps, output in {doc.Out}");
        sb.AppendLine($"{"#",3}  {"status",-10} {"est.",8}  step");
        double known = 0;
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < plan.Count; i++)
        {
            var e = plan[i];
            var cost = CostModel.Seconds(e.Step, doc.Rates);
            if (e.WillRun)
            {
                if (cost is { } c) known += c;
                else unknown.Add(e.Step.RateKeys[0]);
            }

            sb.AppendLine($"{i + 1,3}  {Status(e.Status),-10} {CostModel.Format(cost),8}  {e.Step.Id}");
            if (commands) sb.AppendLine($"       {e.Step.CommandLine}");
        }

        var trained = plan.Where(e => e.Step.Trains).ToList();
        var teachers = trained.Count(e => e.Step.Stage == StepStage.Teacher);
        var students = trained.Count(e => e.Step.Stage == StepStage.Student);
        sb.AppendLine();
        sb.AppendLine($"trained models: {teachers + students} ({teachers} teachers, {students} students)" +
            (trained.Any(e => e.Step.Stage == StepStage.Ethnicity) ? " + the ethnicity classifier" : ""));
        var n = 0;
        foreach (var e in trained) sb.AppendLine($"  {(e.Step.Stage == StepStage.Ethnicity ? "-" : (++n).ToString(System.Globalization.CultureInfo.InvariantCulture)),3}. {e.Step.TrainedModel}  [{CostModel.Format(CostModel.Seconds(e.Step, doc.Rates))}]");
        var toRun = plan.Count(e => e.WillRun);
        sb.AppendLine($"to run: {toRun} of {plan.Count} steps, estimated {CostModel.Format(known)}" +
            (unknown.Count > 0 ? $" + steps without a measured rate (add to \"rates\": {string.Join(", ", unknown)})" : ""));
        return sb.ToString();
    }

    private static string Status(StepStatus s) => s switch
    {
        StepStatus.UpToDate => "up-to-date",
        StepStatus.New => "run",
        StepStatus.Resume => "resume",
        StepStatus.Changed => "changed",
        StepStatus.Waiting => "after-deps",
        _ => s.ToString(),
    };
}
