using System.Text;
using FairKd.Core.IO;

namespace FairKd.Tests.Shared;

/// <summary>
/// The reference CSV parse the tests compare <see cref="Csv.Read"/> and <see cref="CsvSpanReader"/> with: a plain
/// string-per-field reading of RFC 4180 over <see cref="TextReader.ReadLine"/> (FairKd's first parser, kept here as the
/// independent computation once the product's moved to spans). Same records, 1-based start lines and error texts.
/// </summary>
public static class ReferenceCsv
{
    /// <summary>Records of <paramref name="r"/> with the line each starts on and its parse error, if any.</summary>
    public static IEnumerable<CsvRecord> Read(TextReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var line = 0;
        string? text;
        while ((text = r.ReadLine()) is not null)
        {
            line++;
            var start = line;
            var fields = new List<string>();
            var sb = new StringBuilder();
            string? error = null;
            var i = 0;
            while (true)
            {
                if (i < text.Length && text[i] == '"')
                {
                    i++;
                    while (true)
                    {
                        if (i >= text.Length)
                        {
                            var next = r.ReadLine();
                            if (next is null) { error = "unterminated quoted field"; break; }
                            line++;
                            sb.Append('\n');
                            text = next;
                            i = 0;
                            continue;
                        }

                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"') { sb.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }

                        sb.Append(text[i++]);
                    }

                    if (error is null && i < text.Length && text[i] != ',') error = $"text after a closing quote at column {i + 1}";
                }
                else
                {
                    var end = text.IndexOf(',', i);
                    if (end < 0) end = text.Length;
                    var raw = text.AsSpan(i, end - i);
                    if (raw.Contains('"')) error ??= $"a double quote inside an unquoted field at column {i + 1}";
                    sb.Append(raw);
                    i = end;
                }

                if (error is not null) break;
                fields.Add(sb.ToString());
                sb.Clear();
                if (i >= text.Length) break;
                i++; // the comma
                if (i == text.Length) { fields.Add(""); break; }
            }

            yield return new CsvRecord(start, fields, error);
        }
    }
}
