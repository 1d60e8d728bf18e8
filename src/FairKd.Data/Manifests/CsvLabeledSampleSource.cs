using System.Globalization;
using System.Security.Cryptography;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Data.Manifests;

/// <summary>
/// Reads <c>labels.csv</c> in a cache folder: the documented import format for labelled samples (also a way to bring in
/// the study's predictions.txt after reordering its columns). RFC 4180, header required, columns by name:
/// <c>key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256</c>.
/// <c>group</c> is the folder group (African|Asian|Caucasian|Indian) or empty; the four probabilities are all set or all
/// empty (no soft labels: the builder refuses such identities); <c>sha256</c> is 64 hex digits or empty.
/// </summary>
public sealed class CsvLabeledSampleSource : ILabeledSampleSource
{
    public const string FileName = "labels.csv";

    public static readonly IReadOnlyList<string> Columns =
        ["key", "dataset", "identity", "group", "relative_path", "p_african", "p_asian", "p_caucasian", "p_indian", "sha256"];

    private const int Shown = 5;

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

    public string Fingerprint(string cacheDir)
    {
        var path = Path.Combine(cacheDir, FileName);
        using var s = File.OpenRead(path);
        return $"{FileName} sha256:{Convert.ToHexStringLower(SHA256.HashData(s))}";
    }
}
