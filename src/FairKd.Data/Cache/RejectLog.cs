using System.Text;
using FairKd.Core.Records;

namespace FairKd.Data.Cache;

/// <summary>
/// <c>rejects.csv</c> (<c>key,stage,reason</c>, RFC 4180 quoting), append-only. Resume safety: rejects are buffered
/// per shard range and appended (then flushed to disk) just before the index that covers them is committed; the
/// index records the committed length (<see cref="CacheIndex.RejectsBytes"/>), and on resume the file is cut back
/// to it, so lines of an interrupted range are dropped and recomputed, never duplicated.
/// </summary>
internal static class RejectLog
{
    public const string FileName = "rejects.csv";
    public const string Header = "key,stage,reason\n";

    /// <summary>Creates the file with its header; returns its length.</summary>
    public static long Create(string directory)
    {
        var path = Path.Combine(directory, FileName);
        CacheWrites.WriteAllBytes(path, Encoding.UTF8.GetBytes(Header));
        return new FileInfo(path).Length;
    }

    /// <summary>Cuts the file back to its committed length.</summary>
    public static void Truncate(string directory, long committedLength)
    {
        var path = Path.Combine(directory, FileName);
        var info = new FileInfo(path);
        if (!info.Exists || info.Length < committedLength)
            throw new InvalidDataException($"{path} is {(info.Exists ? info.Length + " bytes" : "missing")}, shorter than the {committedLength} bytes the cache index records");
        if (info.Length == committedLength) return;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
        fs.SetLength(committedLength);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>Appends lines, flushes to disk, returns the new length.</summary>
    public static long Append(string directory, IReadOnlyList<Reject> rejects, Func<string, FileMode, Stream> open)
    {
        var path = Path.Combine(directory, FileName);
        using var stream = open(path, FileMode.Append);
        if (rejects.Count > 0)
        {
            var sb = new StringBuilder();
            foreach (var r in rejects) sb.Append(Line(r));
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            stream.Write(bytes);
        }

        stream.Flush();
        if (stream is FileStream fs) fs.Flush(flushToDisk: true);
        return stream.Length;
    }

    public static string Line(Reject r) => $"{Quote(r.Key)},{Quote(r.Stage)},{Quote(r.Reason)}\n";

    /// <summary>Reads the committed rejects (for merging and tests).</summary>
    public static List<Reject> Read(string directory)
    {
        var text = File.ReadAllText(Path.Combine(directory, FileName), Encoding.UTF8);
        var result = new List<Reject>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var line = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') inQuotes = false;
                else field.Append(c);
                continue;
            }

            if (c == '"') inQuotes = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                line++;
                if (line > 1)
                {
                    if (fields.Count != 3) throw new InvalidDataException($"{FileName} line {line}: expected 3 fields, got {fields.Count}");
                    result.Add(new Reject(fields[0], fields[1], fields[2]));
                }

                fields.Clear();
            }
            else field.Append(c);
        }

        return result;
    }

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
