using System.Globalization;

namespace FairKd.Core.Report;

/// <summary>One published row: its table, the matching keys and its numbers by column header (e.g. Caucasian, STD, LFW).</summary>
public sealed record PublishedRow(string Table, string Model, bool Distillation, string Data, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// The published numbers of paper-results.md (Tables 1, 2 and 4; all AdaFace). Table 1 rows are models trained from
/// scratch (distillation No). Rows match a run by normalised model, distillation and data (<see cref="Normalise"/>);
/// a run whose loss is set and is not AdaFace matches nothing.
/// </summary>
public sealed class PublishedResults
{
    private PublishedResults(IReadOnlyList<PublishedRow> rows) => Rows = rows;

    /// <summary>All parsed rows.</summary>
    public IReadOnlyList<PublishedRow> Rows { get; }

    /// <summary>Parses the Markdown file; tables that are absent are skipped, malformed numbers throw <see cref="InvalidDataException"/> with the line.</summary>
    public static PublishedResults Parse(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var rows = new List<PublishedRow>();
        foreach (var table in new[] { "Table 1", "Table 2", "Table 4" })
        {
            var start = Array.FindIndex(lines, l => l.StartsWith("## " + table, StringComparison.Ordinal));
            if (start < 0) continue;
            var i = start + 1;
            while (i < lines.Length && !lines[i].StartsWith('|')) i++;
            if (i >= lines.Length) continue;
            var header = Cells(lines[i]);
            for (i += 2; i < lines.Length && lines[i].StartsWith('|'); i++)
            {
                var cells = Cells(lines[i]);
                if (cells.Length != header.Length) throw new InvalidDataException($"line {i + 1}: {cells.Length} cells, header has {header.Length}");
                var byName = header.Zip(cells).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var (h, c) in byName)
                {
                    if (h is "Model" or "Distillation" or "Data" or "# IDs") continue;
                    values[h] = double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                        ? v
                        : throw new InvalidDataException($"line {i + 1}: '{c}' in column {h} is not a number");
                }

                var distilled = byName.TryGetValue("Distillation", out var dist) && dist.Equals("Yes", StringComparison.OrdinalIgnoreCase);
                rows.Add(new PublishedRow(table, byName["Model"], distilled, byName["Data"], values));
            }
        }

        return new PublishedResults(rows);
    }

    /// <summary>Reads and parses a file.</summary>
    public static PublishedResults Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path)) : throw new UsageException($"reference file {path} does not exist");

    /// <summary>The first row of <paramref name="tables"/> (in that order of preference) matching <paramref name="label"/>, or null.</summary>
    public PublishedRow? Match(RunLabel label, params string[] tables)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Model is null || label.Data is null || label.Distillation is null) return null;
        if (label.Loss is not null && Normalise(label.Loss) != "adaface") return null;
        foreach (var t in tables)
        {
            var hit = Rows.FirstOrDefault(r => r.Table == t && Normalise(r.Model) == Normalise(label.Model)
                && r.Distillation == label.Distillation && Normalise(r.Data) == Normalise(label.Data));
            if (hit is not null) return hit;
        }

        return null;
    }

    /// <summary>Lower-case letters and digits only, with the usual short model names expanded (r34 = ResNet 34, mbf = MobileFaceNet).</summary>
    public static string Normalise(string s)
    {
        var n = new string(s.ToLowerInvariant().Where(char.IsLetterOrDigit).ToArray());
        if (n.Length > 1 && n[0] == 'r' && n[1..].All(char.IsDigit)) return "resnet" + n[1..];
        if (n.StartsWith("iresnet", StringComparison.Ordinal)) return n[1..];
        return n is "mbf" or "mobilefacenetmbf" ? "mobilefacenet" : n;
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
