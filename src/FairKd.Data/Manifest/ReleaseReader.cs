using System.Globalization;
using FairKd.Core;
using FairKd.Core.IO;

namespace FairKd.Data.Manifest;

/// <summary>A release folder read back: card, identity rows and sample rows.</summary>
public sealed record Release(string Dir, DataCard Card, IReadOnlyList<ReleaseIdentity> Identities, IReadOnlyList<ReleaseSample> Samples);

/// <summary>Reads a release folder; malformed rows are reported (file, line, reason) as a UsageException.</summary>
public static class ReleaseReader
{
    private const int Shown = 5;

    /// <summary>Reads card.json, samples.csv and identities.csv of the release folder <paramref name="dir"/>.</summary>
    public static Release Read(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"release folder not found: {dir}");
        var cardPath = Path.Combine(dir, ReleaseFiles.CardJson);
        if (!File.Exists(cardPath)) throw new UsageException($"{dir}: not a release (no {ReleaseFiles.CardJson})");
        var card = DataCard.FromJson(File.ReadAllText(cardPath), cardPath);
        var ids = ReadRows<ReleaseIdentity>(Path.Combine(dir, ReleaseFiles.Identities), ReleaseFiles.IdentityColumns, f =>
        {
            if (!int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var images) || images < 1)
                return ((ReleaseIdentity?)null, $"images must be a positive integer, got '{f[4]}'");
            var kept = f[5] == ReleaseFiles.KeptStatus;
            if (!kept && f[5] != ReleaseFiles.RemovedStatus) return ((ReleaseIdentity?)null, $"status must be kept or removed, got '{f[5]}'");
            int? order = null;
            if (f[6].Length > 0)
            {
                if (!int.TryParse(f[6], NumberStyles.None, CultureInfo.InvariantCulture, out var o)) return ((ReleaseIdentity?)null, $"removal_order is not an integer: '{f[6]}'");
                order = o;
            }

            return (new ReleaseIdentity(f[0], f[1], f[2].Length == 0 ? null : f[2], f[3], images, kept, order), null);
        });
        var samples = ReadRows<ReleaseSample>(Path.Combine(dir, ReleaseFiles.Samples), ReleaseFiles.SampleColumns,
            f => (new ReleaseSample(f[0], f[1], f[2], f[3], f[4].Length == 0 ? null : f[4]), (string?)null));
        return new Release(dir, card, ids, samples);
    }

    private static List<T> ReadRows<T>(string path, IReadOnlyList<string> columns, Func<IReadOnlyList<string>, (T? Row, string? Error)> parse)
        where T : class
    {
        if (!File.Exists(path)) throw new UsageException($"{path} is missing");
        using var reader = new StreamReader(path, Csv.Utf8);
        var rows = new List<T>();
        var errors = new List<string>();
        var header = true;
        foreach (var rec in Csv.Read(reader))
        {
            if (header)
            {
                if (!rec.Fields.SequenceEqual(columns))
                    throw new UsageException($"{path}:1: header must be {string.Join(",", columns)}");
                header = false;
                continue;
            }

            if (rec.Error is not null) { errors.Add($"line {rec.Line}: {rec.Error}"); continue; }
            if (rec.Fields.Count != columns.Count) { errors.Add($"line {rec.Line}: expected {columns.Count} fields, got {rec.Fields.Count}"); continue; }
            var (row, error) = parse(rec.Fields);
            if (row is null) errors.Add($"line {rec.Line}: {error}");
            else rows.Add(row);
        }

        if (header) throw new UsageException($"{path}: empty file (no header)");
        if (errors.Count > 0) throw new UsageException($"{path}: {errors.Count} malformed rows: {string.Join("; ", errors.Take(Shown))}");
        return rows;
    }
}
