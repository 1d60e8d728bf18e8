using System.Globalization;
using FairKd.Core;
using FairKd.Core.Records;

namespace FairKd.Data.Readers;

/// <summary>
/// Reads a 5-point landmark file into a <see cref="LandmarkTable"/>. Lines are
/// <c>path&lt;TAB&gt;label&lt;TAB&gt;x1 y1 ... x5 y5</c> (RFW <c>_lmk.txt</c>), the same separated by spaces, or
/// <c>path</c> followed directly by the 10 numbers (no label). With a tab the path is everything before the first
/// tab (so it may hold spaces); without one it is the first space-separated field. The label, when present, is
/// ignored. Blank lines and lines starting with '#' are skipped. Malformed lines (wrong number of fields,
/// non-numeric, NaN or infinite values, a path seen before) are reported with their line number; the first entry
/// of a path wins. A missing or unreadable file throws <see cref="UsageException"/> (exit 2).
/// </summary>
public static class LandmarkFileReader
{
    private const int Numbers = FaceLandmarks.PointCount * 2;

    /// <summary>Reads the landmark file at <paramref name="path"/> into a table keyed by image path; malformed lines go to <paramref name="report"/>.</summary>
    public static LandmarkTable Read(string path, ReaderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!File.Exists(path)) throw new UsageException($"landmark file '{path}' does not exist");
        var table = new LandmarkTable();
        var firstLine = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var reader = new StreamReader(path);
            long lineNo = 0;
            while (reader.ReadLine() is { } raw)
            {
                lineNo++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                if (!TryParse(line, out var file, out var landmarks, out var error))
                {
                    report.MalformedLine(path, lineNo, error!);
                    continue;
                }

                if (!table.TryAdd(file, landmarks!))
                {
                    report.MalformedLine(path, lineNo, $"duplicate entry for '{file}' (first at line {firstLine[LandmarkTable.Normalise(file)]})");
                    continue;
                }

                firstLine[LandmarkTable.Normalise(file)] = lineNo;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"landmark file '{path}' cannot be read: {ex.Message}");
        }

        return table;
    }

    /// <summary>Parses one non-blank line; false with a reason when malformed.</summary>
    public static bool TryParse(string line, out string path, out FaceLandmarks? landmarks, out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        landmarks = null;
        string[] rest;
        var tab = line.IndexOf('\t', StringComparison.Ordinal);
        if (tab >= 0)
        {
            path = line[..tab].Trim();
            rest = line[(tab + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        }
        else
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            path = fields[0];
            rest = fields[1..];
        }

        if (path.Length == 0 || LandmarkTable.Normalise(path).Length == 0)
        {
            error = "empty path";
            return false;
        }

        if (rest.Length != Numbers && rest.Length != Numbers + 1)
        {
            error = $"expected a path, an optional label and {Numbers} numbers (5 x,y points), found {rest.Length} fields after the path";
            return false;
        }

        var xy = new float[Numbers];
        var first = rest.Length - Numbers;
        for (var i = 0; i < Numbers; i++)
        {
            var text = rest[first + i];
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out xy[i]))
            {
                error = $"'{text}' is not a number (coordinate {i + 1} of {Numbers})";
                return false;
            }

            if (!float.IsFinite(xy[i]))
            {
                error = $"coordinate {i + 1} is {text}, not a finite number";
                return false;
            }
        }

        landmarks = FaceLandmarks.FromPairs(xy);
        error = null;
        return true;
    }
}
