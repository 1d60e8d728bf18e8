using System.Globalization;
using System.Text;

namespace FairKd.Core.Report;

/// <summary>
/// A report column. Number columns with <see cref="Markable"/> get their best value marked (highest, or lowest when
/// <see cref="LowerIsBetter"/>); <see cref="Decimals"/> is how many decimals Markdown shows (default 2).
/// </summary>
public sealed record ReportColumn(string Header, bool IsNumber, bool Markable = false, bool LowerIsBetter = false, int Decimals = 2);

/// <summary>One cell: text, or a number (null = missing, shown as '-').</summary>
public readonly record struct ReportCell(string? Text, double? Number)
{
    /// <summary>A text cell (null shows as '-').</summary>
    public static ReportCell Of(string? text) => new(text, null);

    /// <summary>A number cell (null = missing, shown as '-'); rounded only when rendered.</summary>
    public static ReportCell Of(double? number) => new(null, number);
}

/// <summary>A table of runs, rendered as Markdown (best values bold) or CSV (full precision, a trailing "best" column).</summary>
public sealed class ReportTable
{
    /// <summary>A table; every row must have one cell per column (ArgumentException otherwise).</summary>
    public ReportTable(string title, IReadOnlyList<ReportColumn> columns, IReadOnlyList<IReadOnlyList<ReportCell>> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var r in rows)
            if (r.Count != columns.Count) throw new ArgumentException($"row has {r.Count} cells for {columns.Count} columns");
        Title = title;
        Columns = columns;
        Rows = rows;
    }

    /// <summary>Heading of the table in the Markdown report.</summary>
    public string Title { get; }

    /// <summary>Columns, left to right.</summary>
    public IReadOnlyList<ReportColumn> Columns { get; }

    /// <summary>One list of cells per run, each as long as <see cref="Columns"/>.</summary>
    public IReadOnlyList<IReadOnlyList<ReportCell>> Rows { get; }

    /// <summary>True when row <paramref name="r"/> holds the best (rounded) value of markable column <paramref name="c"/>; ties all count.</summary>
    public bool IsBest(int r, int c)
    {
        var col = Columns[c];
        if (!col.Markable || Rows[r][c].Number is not { } v) return false;
        var values = Rows.Select(row => row[c].Number).OfType<double>().Select(x => Shown(x, col.Decimals)).ToList();
        var best = col.LowerIsBetter ? values.Min() : values.Max();
        return Shown(v, col.Decimals) == best;
    }

    /// <summary>The value as shown (formatted and parsed back), so marks agree with the text; best values compare after this rounding.</summary>
    private static double Shown(double v, int decimals) => double.Parse(v.ToString("F" + decimals, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>GitHub-flavoured Markdown, numbers with their column's decimals, best values in bold, missing as '-'.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", Columns.Select(c => Escape(c.Header))).Append(" |\n");
        sb.Append('|').AppendJoin("|", Columns.Select(c => c.IsNumber ? "---:" : "---")).Append("|\n");
        for (var r = 0; r < Rows.Count; r++)
        {
            var cells = Columns.Select((c, i) =>
            {
                var cell = Rows[r][i];
                if (!c.IsNumber) return Escape(cell.Text ?? "-");
                if (cell.Number is not { } v) return "-";
                var s = v.ToString("F" + c.Decimals, CultureInfo.InvariantCulture);
                return IsBest(r, i) ? $"**{s}**" : s;
            });
            sb.Append("| ").AppendJoin(" | ", cells).Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>CSV (RFC 4180): numbers in round-trip precision, missing values empty, and a last column "best" listing (';') the columns where the row is best.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder();
        sb.AppendJoin(",", Columns.Select(c => Quote(c.Header)).Append("best")).Append('\n');
        for (var r = 0; r < Rows.Count; r++)
        {
            var cells = Columns.Select((c, i) => c.IsNumber
                ? Rows[r][i].Number?.ToString("R", CultureInfo.InvariantCulture) ?? ""
                : Quote(Rows[r][i].Text ?? ""));
            var best = string.Join(';', Columns.Where((_, i) => IsBest(r, i)).Select(c => c.Header));
            sb.AppendJoin(",", cells.Append(Quote(best))).Append('\n');
        }

        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
