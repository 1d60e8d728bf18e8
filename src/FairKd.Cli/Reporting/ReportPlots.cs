using FairKd.Core.Evaluation;
using FairKd.Core.Reporting;
using ScottPlot;

namespace FairKd.Cli.Reporting;

/// <summary>The report's PNG plots, drawn with ScottPlot 5 (SkiaSharp, headless). Every image is <see cref="Width"/> x <see cref="Height"/>.</summary>
internal static class ReportPlots
{
    public const int Width = 900;
    public const int Height = 540;

    /// <summary>Grouped bars: x = RFW group (paper order), one bar per run.</summary>
    public static void GroupAccuracyBars(IReadOnlyList<ReportRun> runs, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var groups = ReportTables.PaperGroupOrder;
        var withRfw = runs.Where(r => r.Eval.Rfw is not null).ToList();
        var width = 0.8 / Math.Max(1, withRfw.Count);
        double min = 100;
        for (var r = 0; r < withRfw.Count; r++)
        {
            var bars = new List<Bar>();
            for (var g = 0; g < groups.Count; g++)
            {
                var acc = withRfw[r].Eval.Rfw!.Groups.FirstOrDefault(x => x.Group == groups[g])?.AccuracyPercent;
                if (acc is not { } v) continue;
                min = Math.Min(min, v);
                bars.Add(new Bar { Position = g - 0.4 + width * (r + 0.5), Value = v, Size = width * 0.9, FillColor = palette.GetColor(r) });
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = withRfw[r].Name;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), groups.ToArray());
        var floor = Math.Max(0, Math.Floor(min - 5));
        plot.Axes.SetLimits(-0.6, groups.Count - 0.4, floor, 100);
        plot.Title("RFW accuracy per group");
        plot.YLabel("Accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>ROC curves (TAR vs log10 FAR) of the four RFW groups of one run.</summary>
    public static void RocPerGroup(ReportRun run, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var g in ReportTables.PaperGroupOrder)
        {
            var set = run.Eval.Sets.FirstOrDefault(s => s.Kind == TargetSetKind.RfwGroup && (s.Group ?? s.Name) == g);
            if (set is null || set.Roc.Count == 0) continue;
            var points = set.Roc.Where(p => p.Far > 0).ToList();
            var line = plot.Add.ScatterLine(points.Select(p => Math.Log10(p.Far)).ToArray(), points.Select(p => p.Tar * 100).ToArray(), palette.GetColor(i++));
            line.LegendText = $"{g} (AUC {set.Auc:F4})";
            line.LineWidth = 2;
        }

        plot.Title($"ROC per RFW group: {run.Name}");
        plot.XLabel("log10 FAR");
        plot.YLabel("TAR (%)");
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>One point per run: RFW average accuracy (x) against SER (y), labelled by run.</summary>
    public static void AccuracyVsSer(IReadOnlyList<ReportRun> runs, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var run in runs)
        {
            if (run.Eval.Rfw is not { Ser: { } ser } rfw) continue;
            var color = palette.GetColor(i++);
            var marker = plot.Add.Marker(rfw.Average, ser, MarkerShape.FilledCircle, 10, color);
            marker.LegendText = run.Name;
            var text = plot.Add.Text(run.Name, rfw.Average, ser);
            text.LabelFontColor = color;
            text.LabelOffsetX = 6;
            text.LabelOffsetY = -6;
        }

        plot.Title("Accuracy vs fairness (RFW)");
        plot.XLabel("Average accuracy (%)");
        plot.YLabel("SER (lower is fairer)");
        plot.Axes.Margins(0.2, 0.2);
        plot.SavePng(path, Width, Height);
    }
}
