using System.Text;

namespace FairKd.Core.IO;

/// <summary>
/// Minimal RFC 4180 CSV: fields containing a comma, a double quote, CR or LF are quoted and inner quotes doubled;
/// records end with '\n' (readers also accept "\r\n"). UTF-8 without BOM.
/// </summary>
public static class Csv
{
    /// <summary>UTF-8 without a byte-order mark.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Appends one record (fields joined by commas, then '\n').</summary>
    public static void WriteRecord(TextWriter w, params ReadOnlySpan<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(w);
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) w.Write(',');
            WriteField(w, fields[i] ?? "");
        }

        w.Write('\n');
    }

    private static void WriteField(TextWriter w, string f) => WriteField(w, f.AsSpan());

    /// <summary>Appends one field, quoted when it holds a comma, a double quote, CR or LF (as <see cref="WriteRecord"/>).</summary>
    public static void WriteField(TextWriter w, ReadOnlySpan<char> f)
    {
        ArgumentNullException.ThrowIfNull(w);
        if (f.IndexOfAny(",\"\r\n") < 0)
        {
            w.Write(f);
            return;
        }

        w.Write('"');
        w.Write(f.ToString().Replace("\"", "\"\"", StringComparison.Ordinal));
        w.Write('"');
    }

    /// <summary>Writes a whole CSV file atomically (<see cref="AtomicFile"/>): the header, then every row.</summary>
    public static void WriteFile(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, Utf8, 1 << 16, leaveOpen: true) { NewLine = "\n" };
            WriteRecord(w, [.. header]);
            foreach (var row in rows) WriteRecord(w, [.. row]);
        });
    }

    /// <summary>A StreamWriter for <paramref name="path"/>: UTF-8 without BOM, '\n' line endings, large buffer.</summary>
    public static StreamWriter CreateWriter(string path) =>
        new(path, Utf8, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 1 << 16 }) { NewLine = "\n" };

    /// <summary>
    /// Reads records with the 1-based line number each starts on. A malformed record (a quote inside an unquoted
    /// field, text after a closing quote, an unterminated quote) is returned with <see cref="CsvRecord.Error"/> set.
    /// </summary>
    public static IEnumerable<CsvRecord> Read(TextReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var reader = new CsvSpanReader(r);
        while (reader.Next())
        {
            var fields = new string[reader.Count];
            for (var k = 0; k < fields.Length; k++) fields[k] = reader[k].ToString();
            yield return new CsvRecord(reader.Line, fields, reader.Error);
        }
    }
}

/// <summary>One CSV record: the line it starts on, its fields, and a parse error (then the fields are partial).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields, string? Error);
