using System.Globalization;
using FairKd.Core;
using FairKd.Data.Readers;

namespace FairKd.Data.Eval;

/// <summary>
/// Pair lists that name people and image numbers: RFW <c>&lt;Race&gt;_pairs.txt</c> (no header) and LFW
/// <c>pairs.txt</c> (header). Rows are tab- or space-separated: <c>name n1 n2</c> (same person) or
/// <c>name1 n1 name2 n2</c> (different people); the image path is <c>name/name_%04d.jpg</c> relative to the image
/// root (RFW <c>test/data/&lt;Race&gt;</c>, the LFW image folder). Malformed rows (other field counts, a number that is
/// not a non-negative integer, a name with '/' or a dot-only name, a different-people row naming one person) are
/// reported with their line number and dropped; folds are assigned over the remaining pairs in file order
/// (<see cref="VerificationFolds"/>). Blank lines and '#' comments are skipped. A missing file throws
/// <see cref="UsageException"/>.
/// </summary>
public static class NamedPairsReader
{
    /// <summary>Reads an RFW <c>&lt;Race&gt;_pairs.txt</c>.</summary>
    public static IReadOnlyList<VerificationPair> ReadRfw(string pairsFile, ReaderReport report) => Read(pairsFile, report, header: false);

    /// <summary>
    /// Reads an LFW <c>pairs.txt</c>. The first line is the header: <c>sets n</c> (<c>10 300</c>: 6000 pairs) or
    /// <c>n</c> (pairsDevTest style: 2n pairs). A missing header, or a pair count that differs from what it announces,
    /// is reported at line 1 (rows are still read).
    /// </summary>
    public static IReadOnlyList<VerificationPair> ReadLfw(string pairsFile, ReaderReport report) => Read(pairsFile, report, header: true);

    private static List<VerificationPair> Read(string file, ReaderReport report, bool header)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!File.Exists(file)) throw new UsageException($"pair list '{file}' does not exist");
        var pairs = new List<(string, string, bool)>();
        long? announced = null;
        var headerPending = header;
        long lineNo = 0;
        foreach (var raw in File.ReadLines(file))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (headerPending)
            {
                headerPending = false;
                if (TryHeader(f, out var n))
                {
                    announced = n;
                    continue;
                }

                report.MalformedLine(file, lineNo, "missing header line ('sets pairs_per_set', e.g. '10 300')");
            }

            if (TryRow(f, out var pair, out var error)) pairs.Add(pair);
            else report.MalformedLine(file, lineNo, error!);
        }

        if (announced is { } expected && expected != pairs.Count)
            report.MalformedLine(file, 1, $"header announces {expected} pairs but {pairs.Count} valid pairs were read");
        return [.. VerificationFolds.Assign(pairs)];
    }

    private static bool TryHeader(string[] f, out long pairs)
    {
        pairs = 0;
        var v = new long[f.Length];
        if (f.Length is < 1 or > 2) return false;
        for (var i = 0; i < f.Length; i++)
            if (!long.TryParse(f[i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i])) return false;
        pairs = f.Length == 2 ? v[0] * v[1] * 2 : v[0] * 2;
        return true;
    }

    private static bool TryRow(string[] f, out (string, string, bool) pair, out string? error)
    {
        pair = default;
        if (f.Length is not (3 or 4))
        {
            error = $"expected 'name n1 n2' or 'name1 n1 name2 n2', found {f.Length} fields";
            return false;
        }

        var nameB = f.Length == 3 ? f[0] : f[2];
        var numB = f.Length == 3 ? f[2] : f[3];
        if (!TryImage(f[0], f[1], out var a, out error) || !TryImage(nameB, numB, out var b, out error)) return false;
        if (f.Length == 4 && f[0] == f[2])
        {
            error = $"a different-people row names the same person '{f[0]}' twice";
            return false;
        }

        pair = (a, b, f.Length == 3);
        return true;
    }

    private static bool TryImage(string name, string number, out string path, out string? error)
    {
        path = "";
        if (name.Contains('/') || name.Contains('\\') || name.Trim('.').Length == 0)
        {
            error = $"'{name}' is not a valid person name";
            return false;
        }

        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            error = $"'{number}' is not an image number (a non-negative integer)";
            return false;
        }

        path = string.Create(CultureInfo.InvariantCulture, $"{name}/{name}_{n:D4}.jpg");
        error = null;
        return true;
    }
}
