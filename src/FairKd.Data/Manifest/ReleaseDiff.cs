namespace FairKd.Data.Manifest;

/// <summary>Identities and images added/removed from release A to release B within one slice (a group or a source).</summary>
public sealed record DiffRow(string Slice, long IdentitiesAdded, long IdentitiesRemoved, long ImagesAdded, long ImagesRemoved);

/// <summary>`fairkd manifest diff A B`: kept identities (by identity key) and kept images (by sample key) that differ.</summary>
public static class ReleaseDiff
{
    /// <summary>One "total" row, then a row per group, then per source. Groups/sources are taken from the release that holds the item.</summary>
    public static IReadOnlyList<DiffRow> Compare(Release a, Release b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var idsA = a.Identities.Where(x => x.Kept).ToDictionary(x => x.Identity, StringComparer.Ordinal);
        var idsB = b.Identities.Where(x => x.Kept).ToDictionary(x => x.Identity, StringComparer.Ordinal);
        var keysA = a.Samples.ToDictionary(s => s.Key, StringComparer.Ordinal);
        var keysB = b.Samples.ToDictionary(s => s.Key, StringComparer.Ordinal);
        var idAdded = idsB.Values.Where(x => !idsA.ContainsKey(x.Identity)).ToList();
        var idRemoved = idsA.Values.Where(x => !idsB.ContainsKey(x.Identity)).ToList();
        var imAdded = keysB.Values.Where(s => !keysA.ContainsKey(s.Key)).Select(s => (s, idsB.GetValueOrDefault(s.Identity))).ToList();
        var imRemoved = keysA.Values.Where(s => !keysB.ContainsKey(s.Key)).Select(s => (s, idsA.GetValueOrDefault(s.Identity))).ToList();

        var rows = new List<DiffRow> { new("total", idAdded.Count, idRemoved.Count, imAdded.Count, imRemoved.Count) };
        var groups = idAdded.Concat(idRemoved).Select(x => x.Group ?? CardNumbers.NoGroup)
            .Concat(imAdded.Concat(imRemoved).Select(t => t.Item2?.Group ?? CardNumbers.NoGroup)).Distinct().Order(StringComparer.Ordinal);
        foreach (var g in groups)
            rows.Add(new DiffRow("group " + g,
                idAdded.Count(x => (x.Group ?? CardNumbers.NoGroup) == g), idRemoved.Count(x => (x.Group ?? CardNumbers.NoGroup) == g),
                imAdded.Count(t => (t.Item2?.Group ?? CardNumbers.NoGroup) == g), imRemoved.Count(t => (t.Item2?.Group ?? CardNumbers.NoGroup) == g)));
        var sources = idAdded.Concat(idRemoved).Select(x => x.Dataset).Concat(imAdded.Concat(imRemoved).Select(t => t.s.Dataset))
            .Distinct().Order(StringComparer.Ordinal);
        foreach (var d in sources)
            rows.Add(new DiffRow("source " + d,
                idAdded.Count(x => x.Dataset == d), idRemoved.Count(x => x.Dataset == d),
                imAdded.Count(t => t.s.Dataset == d), imRemoved.Count(t => t.s.Dataset == d)));
        return rows;
    }

    /// <summary>The rows as the Markdown table `fairkd manifest diff` prints (identities and images added and removed per dataset).</summary>
    public static string Table(IReadOnlyList<DiffRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var lines = new List<string> { $"{"slice",-28} {"+ids",8} {"-ids",8} {"+images",10} {"-images",10}" };
        lines.AddRange(rows.Select(r => $"{r.Slice,-28} {r.IdentitiesAdded,8} {r.IdentitiesRemoved,8} {r.ImagesAdded,10} {r.ImagesRemoved,10}"));
        return string.Join('\n', lines) + "\n";
    }
}
