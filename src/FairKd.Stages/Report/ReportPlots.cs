using FairKd.Core.Eval;
using FairKd.Core.Report;
using ScottPlot;

namespace FairKd.Stages.Report;

/// <summary>The report's PNG plots, drawn with ScottPlot 5 (SkiaSharp, headless). Every image is <see cref="Width"/> x <see cref="Height"/>.</summary>
internal static class ReportPlots
{
    public const int Width = 900;
    public const int Height = 540;

    /// <summary>Grouped bars: x = RFW group (paper order), one bar per run; the legend sits right of the axes, off the bars.</summary>
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
        plot.ShowLegend(Edge.Right);
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

    /// <summary>
    /// DET curves of the four RFW groups of one run: FNMR against FMR, both on log10 axes (decade ticks), from the stored
    /// ROC vertices (points with FMR or FNMR 0 cannot be drawn on a log axis and are left out); each group's (FMR, FNMR)
    /// at every operating point (one global threshold) is marked. The legend sits right of the axes.
    /// </summary>
    public static void DetPerGroup(ReportRun run, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var shapes = new[] { MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond };
        double minX = -1, minY = -1;
        for (var i = 0; i < ReportTables.PaperGroupOrder.Count; i++)
        {
            var g = ReportTables.PaperGroupOrder[i];
            var color = palette.GetColor(i);
            var set = run.Eval.Sets.FirstOrDefault(s => s.Kind == TargetSetKind.RfwGroup && (s.Group ?? s.Name) == g);
            var points = set?.Roc.Where(p => p.Far > 0 && p.Tar < 1).ToList() ?? [];
            if (points.Count > 0)
            {
                var xs = points.Select(p => Math.Log10(p.Far)).ToArray();
                var ys = points.Select(p => Math.Log10(1 - p.Tar)).ToArray();
                var line = plot.Add.ScatterLine(xs, ys, color);
                line.LegendText = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{g} ({set!.GenuinePairs} genuine / {set.ImpostorPairs} impostor)");
                line.LineWidth = 2;
                (minX, minY) = (Math.Min(minX, xs.Min()), Math.Min(minY, ys.Min()));
            }

            var ops = run.Eval.Rfw?.OperatingPoints ?? [];
            for (var k = 0; k < ops.Count; k++)
            {
                if (ops[k].Result?.Groups.FirstOrDefault(x => x.Group == g) is not { Fmr: > 0, Fnmr: > 0 } at) continue;
                plot.Add.Marker(Math.Log10(at.Fmr), Math.Log10(at.Fnmr), shapes[k % shapes.Length], 9, color);
            }
        }

        var marked = (run.Eval.Rfw?.OperatingPoints ?? []).Where(p => p.Result is not null).Select(p => EvidenceFormat.Target(p.TargetFmr)).ToArray();
        plot.Title($"DET per RFW group: {run.Name}" + (marked.Length == 0 ? "" : $" (markers: global threshold at FMR {string.Join(", ", marked)})"));
        plot.XLabel("FMR (log scale)");
        plot.YLabel("FNMR (log scale)");
        DecadeTicks(plot.Axes.Bottom, Math.Floor(minX));
        DecadeTicks(plot.Axes.Left, Math.Floor(minY));
        plot.Axes.SetLimits(Math.Floor(minX), 0, Math.Floor(minY), 0);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width, Height);
    }

    private static void DecadeTicks(IAxis axis, double from)
    {
        var decades = Enumerable.Range(0, (int)(-from) + 1).Select(k => from + k).ToArray();
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(decades,
            decades.Select(d => d == 0 ? "1" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"1e{d:0}")).ToArray());
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
