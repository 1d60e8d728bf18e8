using System.Globalization;
using System.Text;
using FairKd.Core.Records;
using FairKd.Data.Readers;

namespace FairKd.Data.Ingest;

/// <summary>Counts of an ingest run: accepted samples per dataset/group, rejects by reason, skipped entries, throughput.</summary>
public sealed class IngestSummary
{
    private readonly SortedDictionary<string, int> _accepted = new(StringComparer.Ordinal);

    /// <summary>Samples processed (accepted or rejected).</summary>
    public long Seen { get; set; }

    /// <summary>Counts an accepted sample under its dataset/group.</summary>
    public void Accepted(SampleRef sample)
    {
        var k = sample.Dataset + "/" + (sample.Group ?? "-");
        _accepted[k] = _accepted.GetValueOrDefault(k) + 1;
    }

    /// <summary>summary.txt: accepted per dataset/group, rejects and skipped entries by reason, throughput.</summary>
    public string Describe(TimeSpan elapsed, RejectsWriter rejects, ReaderReport report)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"accepted by dataset/group:");
        foreach (var (k, n) in _accepted) sb.AppendLine(inv, $"  {k}: {n}");
        sb.AppendLine(inv, $"rejects by reason: {rejects.Count}");
        foreach (var (k, n) in rejects.CountsByReason) sb.AppendLine(inv, $"  {k}: {n}");
        sb.AppendLine(inv, $"skipped entries: {report.TotalSkipped}");
        foreach (var (k, n) in report.SkippedByReason) sb.AppendLine(inv, $"  {k}: {n}");
        var rate = Seen / Math.Max(elapsed.TotalSeconds, 1e-3);
        sb.AppendLine(inv, $"ingest: {_accepted.Values.Sum()} accepted, {rejects.Count} rejected, {Seen} images in {elapsed.TotalSeconds:F1} s ({rate:F0} img/s)");
        return sb.ToString();
    }
}
