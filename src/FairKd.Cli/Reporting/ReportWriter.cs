using System.Text;
using FairKd.Core.Reporting;

namespace FairKd.Cli.Reporting;

/// <summary>
/// Writes a report folder: fairness.{md,csv}, benchmarks.{md,csv}, fmr.{md,csv}, group-accuracy.png,
/// roc-NN-&lt;run&gt;.png per run with RFW groups, accuracy-vs-ser.png and report.md embedding them. Every file is written
/// to a temporary name in the folder and then renamed.
/// </summary>
internal static class ReportWriter
{
    public static IReadOnlyList<string> Write(IReadOnlyList<ReportRun> runs, string outDir, PublishedResults? published)
    {
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        var fairness = ReportTables.Fairness(runs, published);
        var benchmark = ReportTables.Benchmark(runs, published);
        var fmr = ReportTables.FalseMatchRates(runs);
        foreach (var (name, table) in new[] { ("fairness", fairness), ("benchmarks", benchmark), ("fmr", fmr) })
        {
            written.Add(Text(outDir, name + ".md", $"## {table.Title}\n\n{table.ToMarkdown()}"));
            written.Add(Text(outDir, name + ".csv", table.ToCsv()));
        }

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
            if (!runs[i].Eval.Sets.Any(s => s.Kind == Core.Evaluation.TargetSetKind.RfwGroup && s.Roc.Count > 0)) continue;
            var file = $"roc-{i + 1:D2}-{Safe(runs[i].Name)}.png";
            var run = runs[i];
            written.Add(Png(outDir, file, p => ReportPlots.RocPerGroup(run, p)));
            images.Add(new ReportImage($"ROC per RFW group: {run.Name}", file));
        }

        written.Add(Text(outDir, "report.md", ReportDocument.Build([fairness, benchmark, fmr], images, published is not null)));
        return written;
    }

    /// <summary>A file-name-safe form of a run name (letters, digits, '-', '_', '.').</summary>
    public static string Safe(string name)
    {
        var s = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('.');
        return s.Length == 0 ? "run" : s;
    }

    private static string Text(string dir, string name, string content) =>
        Atomic(dir, name, tmp => File.WriteAllText(tmp, content, new UTF8Encoding(false)));

    private static string Png(string dir, string name, Action<string> save) => Atomic(dir, name, save);

    private static string Atomic(string dir, string name, Action<string> write)
    {
        var path = Path.Combine(dir, name);
        var tmp = Path.Combine(dir, $".{Path.GetFileNameWithoutExtension(name)}.tmp-{Guid.NewGuid():N}{Path.GetExtension(name)}");
        try
        {
            write(tmp);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }

        return path;
    }
}
