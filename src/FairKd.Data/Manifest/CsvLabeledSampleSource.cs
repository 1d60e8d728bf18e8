using System.Globalization;
using System.Security.Cryptography;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Data.Manifest;

/// <summary>
/// Reads <c>labels.csv</c> in a cache folder: the documented import format for labelled samples (also a way to bring in
/// the study's predictions.txt after reordering its columns). RFC 4180, header required, columns by name:
/// <c>key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256</c>.
/// <c>group</c> is the folder group (African|Asian|Caucasian|Indian) or empty; the four probabilities are all set or all
/// empty (no soft labels: the builder refuses such identities); <c>sha256</c> is 64 hex digits or empty.
/// </summary>
public sealed class CsvLabeledSampleSource : ILabeledSampleSource
{
    /// <summary>The file this source reads inside a folder given as a cache: labels.csv (the import format).</summary>
    public const string FileName = "labels.csv";

    /// <summary>labels.csv's header, in order: key, dataset, identity, group, relative path, the four ethnicity probabilities
    /// (African, Asian, Caucasian, Indian) and the image's SHA-256 (may be empty).</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["key", "dataset", "identity", "group", "relative_path", "p_african", "p_asian", "p_caucasian", "p_indian", "sha256"];

    private const int Shown = 5;

    /// <inheritdoc/>
    public IEnumerable<LabeledSample> Read(string cacheDir)
    {
        var path = Path.Combine(cacheDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found", path);
        return ReadFile(path);
    }

    private static IEnumerable<LabeledSample> ReadFile(string path)
    {
        using var reader = new StreamReader(path, Csv.Utf8);
        var errors = new List<string>();
        int[]? col = null;
        foreach (var rec in Csv.Read(reader))
        {
            if (col is null)
            {
                col = [.. Columns.Select(c => rec.Fields.ToList().IndexOf(c))];
                var missing = Columns.Where((_, i) => col[i] < 0).ToList();
                if (rec.Error is not null || missing.Count > 0)
                    throw new UsageException($"{path}:{rec.Line}: header must name the columns {string.Join(",", Columns)}; missing: {string.Join(", ", missing)}");
                continue;
            }

            if (rec.Fields.Count == 1 && rec.Fields[0].Length == 0 && rec.Error is null) continue; // blank line
            var sample = Parse(rec, col, out var error);
            if (sample is null)
            {
                errors.Add($"line {rec.Line}: {error}");
                continue;
            }

            yield return sample;
        }

        if (col is null) throw new UsageException($"{path}: empty file (no header)");
        if (errors.Count > 0)
            throw new UsageException($"{path}: {errors.Count} malformed rows: {string.Join("; ", errors.Take(Shown))}");
    }

    /// <summary>As <see cref="Read"/> (same samples in the same order, same errors), parsed on spans straight into
    /// <paramref name="sink"/>: no string per field, no <see cref="LabeledSample"/> per row.</summary>
    public void ReadInto(string cacheDir, ILabeledSampleSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var path = Path.Combine(cacheDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found", path);
        using var reader = new StreamReader(path, Csv.Utf8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        var rec = new CsvSpanReader(reader);
        var errors = new List<string>();
        int[]? col = null;
        Span<float> p = stackalloc float[4];
        while (rec.Next())
        {
            if (col is null)
            {
                var header = new List<string>(rec.Count);
                for (var i = 0; i < rec.Count; i++) header.Add(rec[i].ToString());
                col = [.. Columns.Select(c => header.IndexOf(c))];
                var missing = Columns.Where((_, i) => col[i] < 0).ToList();
                if (rec.Error is not null || missing.Count > 0)
                    throw new UsageException($"{path}:{rec.Line}: header must name the columns {string.Join(",", Columns)}; missing: {string.Join(", ", missing)}");
                continue;
            }

            if (rec.Count == 1 && rec[0].Length == 0 && rec.Error is null) continue; // blank line
            var error = Add(rec, col, p, sink);
            if (error is not null) errors.Add($"line {rec.Line}: {error}");
        }

        if (col is null) throw new UsageException($"{path}: empty file (no header)");
        if (errors.Count > 0)
            throw new UsageException($"{path}: {errors.Count} malformed rows: {string.Join("; ", errors.Take(Shown))}");
    }

    /// <summary><see cref="Parse"/> on spans: hands the row to <paramref name="sink"/> and returns null, or returns the error.</summary>
    private static string? Add(CsvSpanReader rec, int[] col, Span<float> p, ILabeledSampleSink sink)
    {
        if (rec.Error is not null) return rec.Error;
        if (rec.Count != Columns.Count) return $"expected {Columns.Count} fields, got {rec.Count}";
        foreach (var i in EmptyChecked)
            if (rec[col[i]].Length == 0) return $"empty {Columns[i]}";
        var g = rec[col[3]];
        string? group = null;
        if (g.Length > 0)
        {
            for (var k = 0; k < EthnicGroups.Order.Length && group is null; k++)
                if (g.SequenceEqual(EthnicGroups.Order[k])) group = EthnicGroups.Order[k];
            if (group is null) return $"unknown group '{g.ToString()}' (use {string.Join("|", EthnicGroups.Order)} or empty)";
        }

        var empty = 0;
        for (var k = 5; k < 9; k++)
            if (rec[col[k]].Length == 0) empty++;
        var labels = p;
        if (empty == 4) labels = [];
        else if (empty > 0) return "soft labels: set all four p_* columns or none";
        else
        {
            for (var k = 0; k < 4; k++)
                if (!TryParseFloat(rec[col[5 + k]], out p[k]))
                    return $"{Columns[5 + k]} is not a number: '{rec[col[5 + k]].ToString()}'";
        }

        var s = rec[col[9]];
        string? sha = null;
        if (s.Length > 0)
        {
            sha = s.ToString().ToLowerInvariant();
            if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)) return "sha256 must be 64 hex digits or empty";
        }

        sink.Add(rec[col[0]], rec[col[1]], rec[col[2]], group, rec[col[4]], labels, sha);
        return null;
    }

    private static readonly int[] EmptyChecked = [0, 1, 2, 4];

    private static readonly float[] Pow10 = [1f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f];

    /// <summary>
    /// float.TryParse (NumberStyles.Float, invariant) with a fast path for plain decimals of at most 7 digits ("0.25",
    /// "1", ".5"): m / 10^e with m &lt; 2^24 and 10^e exact in float is one correctly rounded float division, the same
    /// float the full parser returns (Clinger's fast path). Anything else (sign, exponent, spaces, more digits) goes to
    /// float.TryParse.
    /// </summary>
    internal static bool TryParseFloat(ReadOnlySpan<char> s, out float value)
    {
        var m = 0;
        var digits = 0;
        var frac = -1;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c is >= '0' and <= '9')
            {
                if (++digits > 7) goto Slow;
                m = (m * 10) + (c - '0');
                if (frac >= 0) frac++;
            }
            else if (c == '.' && frac < 0) frac = 0;
            else goto Slow;
        }

        if (digits == 0) goto Slow;
        value = m / Pow10[Math.Max(frac, 0)];
        return true;
    Slow:
        return float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static LabeledSample? Parse(CsvRecord rec, int[] col, out string error)
    {
        error = "";
        if (rec.Error is not null) { error = rec.Error; return null; }
        if (rec.Fields.Count != Columns.Count) { error = $"expected {Columns.Count} fields, got {rec.Fields.Count}"; return null; }
        string F(int i) => rec.Fields[col[i]];
        foreach (var i in new[] { 0, 1, 2, 4 })
            if (F(i).Length == 0) { error = $"empty {Columns[i]}"; return null; }
        var group = F(3).Length == 0 ? null : F(3);
        if (group is not null && EthnicGroups.IndexOf(group) < 0) { error = $"unknown group '{group}' (use {string.Join("|", EthnicGroups.Order)} or empty)"; return null; }
        var empty = Enumerable.Range(5, 4).Count(i => F(i).Length == 0);
        float[] p;
        if (empty == 4) p = [];
        else if (empty > 0) { error = "soft labels: set all four p_* columns or none"; return null; }
        else
        {
            p = new float[4];
            for (var k = 0; k < 4; k++)
                if (!float.TryParse(F(5 + k), NumberStyles.Float, CultureInfo.InvariantCulture, out p[k]))
                { error = $"{Columns[5 + k]} is not a number: '{F(5 + k)}'"; return null; }
        }

        var sha = F(9).Length == 0 ? null : F(9).ToLowerInvariant();
        if (sha is not null && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))) { error = "sha256 must be 64 hex digits or empty"; return null; }
        return new LabeledSample(F(0), F(1), F(2), group, F(4), p, sha);
    }

    /// <inheritdoc/>
    public string Fingerprint(string cacheDir)
    {
        var path = Path.Combine(cacheDir, FileName);
        using var s = File.OpenRead(path);
        return $"{FileName} sha256:{Convert.ToHexStringLower(SHA256.HashData(s))}";
    }
}
