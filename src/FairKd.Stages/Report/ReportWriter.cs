using FairKd.Core.Eval;
using FairKd.Core.Report;

namespace FairKd.Stages.Report;

/// <summary>
/// Writes a report folder: fairness.{md,csv}, benchmarks.{md,csv}, fmr.{md,csv} (operating points), selection.{md,csv}, evidence.md with
/// evidence-NN-&lt;run&gt;-{rfw,operating-points,sets}.csv per run, kd-comparisons.{md,csv}, group-accuracy.png,
/// det-NN-&lt;run&gt;.png and roc-NN-&lt;run&gt;.png per run with RFW groups, accuracy-vs-ser.png and report.md embedding them.
/// Every file is written to a temporary name in the folder and then renamed.
/// </summary>
internal static class ReportWriter
{
    public static IReadOnlyList<string> Write(IReadOnlyList<ReportRun> runs, string outDir, PublishedResults? published, BootstrapOptions bootstrap)
    {
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        var fairness = ReportTables.Fairness(runs, published);
        var benchmark = ReportTables.Benchmark(runs, published);
        var fmr = ReportTables.OperatingPoints(runs);
        var comparisons = EvidenceTables.Comparisons(EvidenceTables.CompareKd(runs, bootstrap), bootstrap);
        foreach (var (name, table) in new[] { ("fairness", fairness), ("benchmarks", benchmark), ("fmr", fmr), ("kd-comparisons", comparisons) })
        {
            written.Add(Text(outDir, name + ".md", $"## {table.Title}\n\n{table.ToMarkdown()}"));
            written.Add(Text(outDir, name + ".csv", table.ToCsv()));
        }

        var evidence = new List<ReportTable>();
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var tables = new List<(string Kind, ReportTable Table)>();
            if (run.Eval.Rfw is not null) tables.AddRange([("rfw", EvidenceTables.RfwIntervals(run)), ("operating-points", EvidenceTables.OperatingPointGroups(run))]);
            tables.Add(("sets", EvidenceTables.Sets(run)));
            foreach (var (kind, table) in tables)
            {
                written.Add(Text(outDir, $"evidence-{i + 1:D2}-{Safe(run.Name)}-{kind}.csv", table.ToCsv()));
                evidence.Add(table);
            }
        }

        var selection = EvidenceTables.Selection(runs);
        written.Add(Text(outDir, "selection.md", $"## {selection.Title}\n\n{selection.ToMarkdown()}"));
        written.Add(Text(outDir, "selection.csv", selection.ToCsv()));
        var onTest = EvidenceTables.SelectedOnTestSet(runs);
        var selectionIntro = SelectionIntro + (onTest.Count == 0 ? ""
            : $" **Warning: {string.Join(", ", onTest)} {(onTest.Count == 1 ? "was" : "were")} chosen on the test set (the study's rule, `--select test-rfw-average`); " +
              "their RFW numbers are optimistic and not comparable with runs chosen without the test set.**");
        var selectionSection = new ReportSection("Model selection", selectionIntro, [selection]);
        var evidenceSection = new ReportSection("Fairness evidence per run", EvidenceIntro, evidence);
        var comparisonSection = new ReportSection("KD vs no KD", ComparisonIntro, [comparisons]);
        written.Add(Text(outDir, "evidence.md", ReportDocument.Section(evidenceSection)));

        var images = new List<ReportImage>();
        if (runs.Any(r => r.Eval.Rfw is not null))
        {
            written.Add(Png(outDir, "group-accuracy.png", p => ReportPlots.GroupAccuracyBars(runs, p)));
            images.Add(new ReportImage("RFW accuracy per group", "group-accuracy.png"));
            written.Add(Png(outDir, "accuracy-vs-ser.png", p => ReportPlots.AccuracyVsSer(runs, p)));
            images.Add(new ReportImage("Accuracy vs fairness (average vs SER)", "accuracy-vs-ser.png"));
        }

        for (var i = 0; i < runs.Count; i++)
        {
            if (!runs[i].Eval.Sets.Any(s => s.Kind == TargetSetKind.RfwGroup && s.Roc.Count > 0)) continue;
            var run = runs[i];
            var det = $"det-{i + 1:D2}-{Safe(run.Name)}.png";
            written.Add(Png(outDir, det, p => ReportPlots.DetPerGroup(run, p)));
            images.Add(new ReportImage($"DET per RFW group: {run.Name}", det));
            var roc = $"roc-{i + 1:D2}-{Safe(run.Name)}.png";
            written.Add(Png(outDir, roc, p => ReportPlots.RocPerGroup(run, p)));
            images.Add(new ReportImage($"ROC per RFW group: {run.Name}", roc));
        }

        written.Add(Text(outDir, "report.md", ReportDocument.Build([fairness, benchmark, fmr], images, published is not null, [selectionSection, evidenceSection, comparisonSection],
            onTest.Count == 0 ? null : [$"{string.Join(", ", onTest)}: checkpoint chosen on the test set (the study's rule, `--select test-rfw-average`); see Model selection."])));
        return written;
    }

    private const string EvidenceIntro =
        "Per run: the RFW statistics with their percentile interval and the pairs and identities behind them; FMR and FNMR of every " +
        "group at each operating point with the false matches / non-matches they count; every set's counts, accuracy interval and TAR at " +
        "each FAR target (n/a with the reason when the impostor pairs cannot support the target). The CSV files evidence-NN-RUN-*.csv hold the same tables.";

    private const string SelectionIntro =
        "Which weights each row evaluates. \"as given\": a weights file (backbone.pth) evaluated directly; its training run's model.json " +
        "(selected) says which epoch it holds and by which rule (last, or best-val on held-out training identities). Rows from `fairkd eval " +
        "--run DIR --select RULE` name the rule and checkpoint; a rule marked as selected on the test set looked at the evaluation sets themselves.";

    private const string ComparisonIntro =
        "Runs with the same model, loss and data (run.json), with and without distillation, compared on the same pairs from their scores.csv: " +
        "both runs are resampled with the same identities, and the interval is that of the difference KD - no KD. \"Excludes 0\" = yes marks " +
        "a difference the bootstrap supports (for STD and SER a negative difference means KD is fairer).";

    /// <summary>A file-name-safe form of a run name (letters, digits, '-', '_', '.').</summary>
    public static string Safe(string name)
    {
        var s = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('.');
        return s.Length == 0 ? "run" : s;
    }

    private static string Text(string dir, string name, string content)
    {
        var path = Path.Combine(dir, name);
        Core.IO.AtomicFile.WriteAllText(path, content);
        return path;
    }

    private static string Png(string dir, string name, Action<string> save)
    {
        var path = Path.Combine(dir, name);
        Core.IO.AtomicFile.WriteViaPath(path, save);
        return path;
    }
}
