using System.Text;

namespace FairKd.Core.Reporting;

/// <summary>An image the report embeds: a caption and a file name relative to the report folder.</summary>
public sealed record ReportImage(string Caption, string FileName);

/// <summary>Assembles report.md: the tables (Markdown) and the plots, with a note on how numbers are computed.</summary>
public static class ReportDocument
{
    /// <summary>The Markdown text of report.md.</summary>
    public static string Build(IReadOnlyList<ReportTable> tables, IReadOnlyList<ReportImage> images, bool withPublished)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(images);
        var sb = new StringBuilder();
        sb.Append("# FairKd evaluation report\n\n");
        sb.Append("Verification accuracy in percent (InsightFace 10-fold protocol, mean over folds). Average = mean of the four RFW groups; ")
          .Append("STD = sample standard deviation (n-1); SER = max group error / min group error. Best value per column in **bold** ")
          .Append("(highest, or lowest for STD, SER and the FMR ratio); '-' = not evaluated. The benchmark Average needs all six sets.\n");
        if (withPublished) sb.Append("Columns named \"paper ...\" are the published numbers of the matching row (same model, distillation and data).\n");
        foreach (var t in tables)
            sb.Append("\n## ").Append(t.Title).Append("\n\n").Append(t.ToMarkdown());
        if (images.Count > 0) sb.Append("\n## Plots\n");
        foreach (var img in images)
            sb.Append("\n### ").Append(img.Caption).Append("\n\n![").Append(img.Caption).Append("](").Append(Uri.EscapeDataString(img.FileName)).Append(")\n");
        return sb.ToString();
    }
}
