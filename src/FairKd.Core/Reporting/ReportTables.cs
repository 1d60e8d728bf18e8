using FairKd.Core.Evaluation;

namespace FairKd.Core.Reporting;

/// <summary>
/// Builds the study's two table shapes from runs: the RFW fairness table (Tables 1-2) and the benchmark table (Table 4).
/// Accuracies in percent. Published columns ("paper ...") are added when a reference is given; they are never marked.
/// </summary>
public static class ReportTables
{
    /// <summary>RFW groups in the paper's column order.</summary>
    public static readonly IReadOnlyList<string> PaperGroupOrder = ["Caucasian", "Indian", "Asian", "African"];

    /// <summary>Benchmark columns and the normalised set names that feed them (RFW comes from the fairness block).</summary>
    public static readonly IReadOnlyList<(string Column, string[] SetNames)> Benchmarks =
    [
        ("RFW", []),
        ("LFW", ["lfw"]),
        ("CPLFW", ["cplfw"]),
        ("CALFW", ["calfw"]),
        ("AgeDB", ["agedb", "agedb30"]),
        ("CFP-FP", ["cfpfp"]),
    ];

    private static readonly string[] LabelHeaders = ["Run", "Loss", "Model", "Distillation", "Data"];
    private static readonly string[] FairnessPaperHeaders = ["Average", "STD", "SER"];
    private static readonly string[] BenchmarkPaperHeaders = ["RFW", "LFW", "CPLFW", "CALFW", "AgeDB", "CFP_FP", "Avg"];

    /// <summary>Run, Loss, Model, Distillation, Data, the four groups, Average, STD, SER (+ paper Average/STD/SER).</summary>
    public static ReportTable Fairness(IReadOnlyList<ReportRun> runs, PublishedResults? published = null)
    {
        var columns = LabelHeaders.Select(h => new ReportColumn(h, false)).ToList();
        columns.AddRange(PaperGroupOrder.Select(g => new ReportColumn(g, true, Markable: true)));
        columns.Add(new ReportColumn("Average", true, Markable: true));
        columns.Add(new ReportColumn("STD", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("SER", true, Markable: true, LowerIsBetter: true));
        if (published is not null)
            columns.AddRange(FairnessPaperHeaders.Select(h => new ReportColumn("paper " + h, true)));

        var rows = runs.Select(run =>
        {
            var cells = LabelCells(run);
            var rfw = run.Eval.Rfw;
            foreach (var g in PaperGroupOrder)
                cells.Add(ReportCell.Of(rfw?.Groups.FirstOrDefault(x => x.Group == g)?.AccuracyPercent));
            cells.Add(ReportCell.Of(rfw?.Average));
            cells.Add(ReportCell.Of(rfw?.Std));
            cells.Add(ReportCell.Of(rfw?.Ser));
            if (published is not null)
            {
                var hit = published.Match(run.Label, "Table 2", "Table 1");
                foreach (var h in FairnessPaperHeaders)
                    cells.Add(ReportCell.Of(hit is not null && hit.Values.TryGetValue(h, out var v) ? v : null));
            }

            return (IReadOnlyList<ReportCell>)cells;
        }).ToList();
        return new ReportTable("RFW fairness", columns, rows);
    }

    /// <summary>Run, Loss, Model, Distillation, Data, RFW, LFW, CPLFW, CALFW, AgeDB, CFP-FP, Average (only when all six exist) (+ paper columns).</summary>
    public static ReportTable Benchmark(IReadOnlyList<ReportRun> runs, PublishedResults? published = null)
    {
        var columns = LabelHeaders.Select(h => new ReportColumn(h, false)).ToList();
        columns.AddRange(Benchmarks.Select(b => new ReportColumn(b.Column, true, Markable: true)));
        columns.Add(new ReportColumn("Average", true, Markable: true));
        if (published is not null) columns.AddRange(BenchmarkPaperHeaders.Select(h => new ReportColumn("paper " + h.Replace('_', '-'), true)));

        var rows = runs.Select(run =>
        {
            var cells = LabelCells(run);
            var values = Benchmarks.Select(b => BenchmarkValue(run.Eval, b.Column, b.SetNames)).ToList();
            cells.AddRange(values.Select(ReportCell.Of));
            cells.Add(ReportCell.Of(values.All(v => v.HasValue) ? values.Average(v => v!.Value) : null));
            if (published is not null)
            {
                var hit = published.Match(run.Label, "Table 4");
                foreach (var h in BenchmarkPaperHeaders)
                    cells.Add(ReportCell.Of(hit is not null && hit.Values.TryGetValue(h, out var v) ? v : null));
            }

            return (IReadOnlyList<ReportCell>)cells;
        }).ToList();
        return new ReportTable("Benchmarks", columns, rows);
    }

    /// <summary>Run, global threshold, FMR per group (percent), FMR max/min ratio: the beyond-the-study FMR block of each run.</summary>
    public static ReportTable FalseMatchRates(IReadOnlyList<ReportRun> runs)
    {
        var columns = new List<ReportColumn> { new("Run", false), new("Target FAR", false), new("Threshold", true, Decimals: 4) };
        columns.AddRange(PaperGroupOrder.Select(g => new ReportColumn($"FMR {g} (%)", true, Decimals: 3)));
        columns.Add(new ReportColumn("FMR max/min", true, Markable: true, LowerIsBetter: true));
        var rows = runs.Select(run =>
        {
            var fmr = run.Eval.Rfw?.Fmr;
            var cells = new List<ReportCell>
            {
                ReportCell.Of(run.Name), ReportCell.Of(fmr?.TargetFar.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)), ReportCell.Of(fmr?.Threshold),
            };
            cells.AddRange(PaperGroupOrder.Select(g => ReportCell.Of(fmr?.Groups.FirstOrDefault(x => x.Group == g)?.Fmr * 100)));
            cells.Add(ReportCell.Of(fmr?.MaxMinFmrRatio));
            return (IReadOnlyList<ReportCell>)cells;
        }).ToList();
        return new ReportTable("False match rate per group at one global threshold", columns, rows);
    }

    /// <summary>Accuracy (percent) of a benchmark column for one run, or null when the run did not evaluate it.</summary>
    public static double? BenchmarkValue(EvalResult eval, string column, IReadOnlyCollection<string> setNames)
    {
        ArgumentNullException.ThrowIfNull(eval);
        if (column == "RFW") return eval.Rfw?.Average;
        var set = eval.Sets.FirstOrDefault(s => s.Kind != TargetSetKind.RfwGroup && setNames.Contains(PublishedResults.Normalise(s.Name)));
        return set is null ? null : set.AccuracyMean * 100;
    }

    private static List<ReportCell> LabelCells(ReportRun run) =>
    [
        ReportCell.Of(run.Name),
        ReportCell.Of(run.Label.Loss),
        ReportCell.Of(run.Label.Model),
        ReportCell.Of(run.Label.Distillation switch { true => "Yes", false => "No", null => null }),
        ReportCell.Of(run.Label.Data),
    ];
}
