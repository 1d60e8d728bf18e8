using FairKd.Core.Eval;

namespace FairKd.Core.Report;

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

    /// <summary>Run, Loss, Model, Distillation, Data, the four groups, Average, STD, SER, the pairs and identities behind them (+ paper Average/STD/SER).</summary>
    public static ReportTable Fairness(IReadOnlyList<ReportRun> runs, PublishedResults? published = null)
    {
        var columns = LabelHeaders.Select(h => new ReportColumn(h, false)).ToList();
        columns.AddRange(PaperGroupOrder.Select(g => new ReportColumn(g, true, Markable: true)));
        columns.Add(new ReportColumn("Average", true, Markable: true));
        columns.Add(new ReportColumn("STD", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("SER", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("Pairs (genuine/impostor)", false));
        columns.Add(new ReportColumn("Identities", true, Decimals: 0));
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
            var groupSets = rfw is null ? [] : run.Eval.Sets.Where(x => x.Kind == TargetSetKind.RfwGroup).ToList();
            cells.Add(ReportCell.Of(groupSets.Count == 0 ? null : EvidenceFormat.PairCounts(groupSets.Sum(x => x.GenuinePairs), groupSets.Sum(x => x.ImpostorPairs))));
            cells.Add(ReportCell.Of(groupSets.Count > 0 && groupSets.All(x => x.Identities.HasValue) ? groupSets.Sum(x => x.Identities!.Value) : null));
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

    /// <summary>
    /// The operating points of every run (one row per run and FMR target): the global threshold on all RFW impostor pairs
    /// pooled, FMR and FNMR per group (percent), and the NIST FRVT Part 8 ratios max/min and max/geometric mean of the
    /// group FMRs and FNMRs; the Note says why a point or ratio is n/a.
    /// </summary>
    public static ReportTable OperatingPoints(IReadOnlyList<ReportRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var columns = new List<ReportColumn> { new("Run", false), new("Target FMR", false), new("Impostor pairs", true, Decimals: 0), new("Threshold", true, Decimals: 4) };
        columns.AddRange(PaperGroupOrder.Select(g => new ReportColumn($"FMR {g} (%)", true, Decimals: 3)));
        columns.AddRange(PaperGroupOrder.Select(g => new ReportColumn($"FNMR {g} (%)", true, Decimals: 2)));
        columns.Add(new ReportColumn("FMR max/min", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("FMR max/GM", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("FNMR max/min", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("FNMR max/GM", true, Markable: true, LowerIsBetter: true));
        columns.Add(new ReportColumn("Note", false));
        var rows = new List<IReadOnlyList<ReportCell>>();
        foreach (var run in runs)
        {
            var points = run.Eval.Rfw?.OperatingPoints ?? [];
            if (points.Count == 0)
                rows.Add([ReportCell.Of(run.Name), .. Enumerable.Repeat(ReportCell.Of((double?)null), columns.Count - 2), ReportCell.Of(run.Eval.Rfw is null ? "no RFW evaluation" : null)]);
            foreach (var p in points)
            {
                var r = p.Result;
                double? Group(string g, Func<GroupFmr, double> f) => r?.Groups.FirstOrDefault(x => x.Group == g) is { } x ? f(x) * 100 : null;
                var cells = new List<ReportCell> { ReportCell.Of(run.Name), ReportCell.Of(EvidenceFormat.Target(p.TargetFmr)), ReportCell.Of(p.ImpostorPairs), ReportCell.Of(r?.Threshold) };
                cells.AddRange(PaperGroupOrder.Select(g => ReportCell.Of(Group(g, x => x.Fmr))));
                cells.AddRange(PaperGroupOrder.Select(g => ReportCell.Of(Group(g, x => x.Fnmr))));
                cells.AddRange([ReportCell.Of(r?.MaxMinFmrRatio), ReportCell.Of(r?.MaxGeoMeanFmrRatio), ReportCell.Of(r?.MaxMinFnmrRatio), ReportCell.Of(r?.MaxGeoMeanFnmrRatio)]);
                cells.Add(ReportCell.Of(EvidenceFormat.OperatingPointNote(p)));
                rows.Add(cells);
            }
        }

        return new ReportTable("Operating points: one global threshold on all RFW impostor pairs", columns, rows);
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
