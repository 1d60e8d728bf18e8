using System.Text;

namespace FairKd.Core.Report;

/// <summary>An image the report embeds: a caption and a file name relative to the report folder.</summary>
public sealed record ReportImage(string Caption, string FileName);

/// <summary>A report section: a heading, an optional paragraph, and tables rendered under their own sub-headings.</summary>
public sealed record ReportSection(string Title, string? Intro, IReadOnlyList<ReportTable> Tables);

/// <summary>Assembles report.md: the tables (Markdown), the evidence sections and the plots, with a note on how numbers are computed.</summary>
public static class ReportDocument
{
    /// <summary>The Markdown text of report.md; each of <paramref name="warnings"/> is a quoted warning under the introduction.</summary>
    public static string Build(IReadOnlyList<ReportTable> tables, IReadOnlyList<ReportImage> images, bool withPublished, IReadOnlyList<ReportSection>? sections = null,
        IReadOnlyList<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(images);
        var sb = new StringBuilder();
        sb.Append("# FairKd evaluation report\n\n");
        sb.Append("Verification accuracy in percent (InsightFace 10-fold protocol, mean over folds). Average = mean of the four RFW groups; ")
          .Append("STD = sample standard deviation (n-1); SER = max group error / min group error. Best value per column in **bold** ")
          .Append("(highest, or lowest for STD, SER and the FMR/FNMR ratios); '-' = not evaluated. The benchmark Average needs all six sets.\n");
        sb.Append("Counts: pairs as total (genuine/impostor) and distinct identities behind each number. Intervals: identity bootstrap ")
          .Append("(identities resampled with replacement, not pairs; a pair counts once per draw of each of its identities) with percentile bounds; ")
          .Append("operating points: one threshold set on all RFW impostor pairs pooled at each FMR target, each group's FMR and FNMR at it, and the ")
          .Append("NIST FRVT Part 8 ratios max/min and max/geometric mean (GM). Every eval folder holds scores.csv (set, pair id, group, label, fold, ")
          .Append("identities, distance) to recompute any of it.\n");
        if (withPublished) sb.Append("Columns named \"paper ...\" are the published numbers of the matching row (same model, distillation and data).\n");
        foreach (var w in warnings ?? []) sb.Append("\n> **Warning:** ").Append(w).Append('\n');
        foreach (var t in tables)
            sb.Append("\n## ").Append(t.Title).Append("\n\n").Append(t.ToMarkdown());
        foreach (var s in sections ?? []) sb.Append('\n').Append(Section(s));

        if (images.Count > 0) sb.Append("\n## Plots\n");
        foreach (var img in images)
            sb.Append("\n### ").Append(img.Caption).Append("\n\n![").Append(img.Caption).Append("](").Append(Uri.EscapeDataString(img.FileName)).Append(")\n");
        return sb.ToString();
    }

    /// <summary>One section as Markdown: "## title", the intro, and each table under "### its title".</summary>
    public static string Section(ReportSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var sb = new StringBuilder();
        sb.Append("## ").Append(section.Title).Append('\n');
        if (section.Intro is not null) sb.Append('\n').Append(section.Intro).Append('\n');
        foreach (var t in section.Tables) sb.Append("\n### ").Append(t.Title).Append("\n\n").Append(t.ToMarkdown());
        return sb.ToString();
    }
}
