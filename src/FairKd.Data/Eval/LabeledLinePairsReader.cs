using System.Globalization;
using FairKd.Core;
using FairKd.Data.Readers;

namespace FairKd.Data.Eval;

/// <summary>
/// CPLFW / CALFW pair lists (<c>pairs_CPLFW.txt</c>, <c>pairs_CALFW.txt</c>): lines <c>file label</c>, and consecutive
/// lines (the 1st and 2nd, the 3rd and 4th, ... data line, blank lines and '#' comments not counted) form a pair.
/// The label is read as an integer: a pair is the same person when both labels are equal and non-zero (1/1 in the
/// released files; also identity numbers), different when both are 0 or they are two different non-zero numbers.
/// A pair whose labels disagree as flags (0 and non-zero) is reported and dropped. A malformed line (not two
/// fields, a non-integer label, a path with '..') is reported and its pair dropped (the partner line is reported
/// too); an unpaired last line is reported. Paths are relative to the image root, '/' separated. Folds are assigned
/// over the kept pairs in file order (<see cref="VerificationFolds"/>). A missing file throws <see cref="UsageException"/>.
/// </summary>
public static class LabeledLinePairsReader
{
    /// <summary>Reads <paramref name="pairsFile"/> into the kept pairs with their folds; every dropped line goes to <paramref name="report"/>.</summary>
    public static IReadOnlyList<VerificationPair> Read(string pairsFile, ReaderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!File.Exists(pairsFile)) throw new UsageException($"pair list '{pairsFile}' does not exist");
        var pairs = new List<(string, string, bool)>();
        (long Line, string? Path, long Label, string? Error)? first = null;
        long lineNo = 0;
        foreach (var raw in File.ReadLines(pairsFile))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var current = Parse(line, lineNo);
            if (first is not { } a)
            {
                first = current;
                continue;
            }

            first = null;
            var b = current;
            if (a.Error is not null || b.Error is not null)
            {
                foreach (var (ln, err, partner) in new[] { (a.Line, a.Error, b.Line), (b.Line, b.Error, a.Line) })
                    report.MalformedLine(pairsFile, ln, err ?? $"pair dropped: its partner line {partner} is malformed");
                continue;
            }

            if ((a.Label == 0) != (b.Label == 0))
            {
                report.MalformedLine(pairsFile, b.Line, $"labels of the pair disagree ({a.Label} at line {a.Line}, {b.Label} here): pair dropped");
                continue;
            }

            pairs.Add((a.Path!, b.Path!, a.Label != 0 && a.Label == b.Label));
        }

        if (first is { } last)
            report.MalformedLine(pairsFile, last.Line, "last line has no partner line to form a pair");
        return VerificationFolds.Assign(pairs);
    }

    private static (long Line, string? Path, long Label, string? Error) Parse(string line, long lineNo)
    {
        var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 2) return (lineNo, null, 0, $"expected 'file label', found {f.Length} fields");
        if (!long.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var label))
            return (lineNo, null, 0, $"label '{f[1]}' is not an integer");
        var path = f[0].Replace('\\', '/');
        if (path.StartsWith('/') || path.Split('/').Any(p => p is ".." or ""))
            return (lineNo, null, 0, $"path '{f[0]}' must be relative to the image root without '..'");
        return (lineNo, path, label, null);
    }
}
