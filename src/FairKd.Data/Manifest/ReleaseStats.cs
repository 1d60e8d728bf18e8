namespace FairKd.Data.Manifest;

/// <summary>The card's numbers recomputed from a release's CSV files, and every disagreement with card.json.</summary>
public sealed record ReleaseStatsReport(CardNumbers Recomputed, IReadOnlyList<string> Mismatches);

/// <summary>`fairkd manifest stats`: recomputes the card from the files and checks the recorded hashes.</summary>
public static class ReleaseStats
{
    /// <summary>Recounts <paramref name="release"/> from its files and compares the counts and hashes with its card.</summary>
    public static ReleaseStatsReport Check(Release release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var problems = new List<string>();
        var card = release.Card;
        var perIdentity = release.Samples.GroupBy(s => s.Identity, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var kept = release.Identities.Where(x => x.Kept).ToDictionary(x => x.Identity, StringComparer.Ordinal);
        foreach (var x in kept.Values)
            if (perIdentity.GetValueOrDefault(x.Identity) != x.Images)
                problems.Add($"identity {x.Identity}: identities.csv says {x.Images} images, samples.csv lists {perIdentity.GetValueOrDefault(x.Identity)}");
        foreach (var id in perIdentity.Keys.Where(k => !kept.ContainsKey(k)).Order(StringComparer.Ordinal))
            problems.Add($"samples.csv lists identity {id}, which identities.csv does not mark kept");
        var recomputed = CardNumbers.Compute(release.Identities, card.SourceKinds());
        Compare("kept identities", card.Numbers.KeptIdentities, recomputed.KeptIdentities);
        Compare("kept images", card.Numbers.KeptImages, recomputed.KeptImages);
        Compare("kept images (samples.csv rows)", card.Numbers.KeptImages, release.Samples.Count);
        Compare("removed identities", card.Numbers.RemovedIdentities, recomputed.RemovedIdentities);
        Compare("removed images", card.Numbers.RemovedImages, recomputed.RemovedImages);
        Rows("group", card.Numbers.Groups, recomputed.Groups);
        Rows("source", card.Numbers.Sources, recomputed.Sources);
        if (card.Numbers.RealFraction != recomputed.RealFraction)
            problems.Add($"real fraction: card {card.Numbers.RealFraction}, files {recomputed.RealFraction}");
        Hash(ReleaseFiles.Samples, card.Files.SamplesCsv);
        Hash(ReleaseFiles.Identities, card.Files.IdentitiesCsv);
        return new ReleaseStatsReport(recomputed, problems);

        void Compare(string what, long inCard, long inFiles)
        {
            if (inCard != inFiles) problems.Add($"{what}: card {inCard}, files {inFiles}");
        }

        void Rows(string what, IReadOnlyList<CountRow> inCard, IReadOnlyList<CountRow> inFiles)
        {
            var names = inCard.Select(r => r.Name).Union(inFiles.Select(r => r.Name)).Order(StringComparer.Ordinal);
            foreach (var n in names)
            {
                var a = inCard.FirstOrDefault(r => r.Name == n);
                var b = inFiles.FirstOrDefault(r => r.Name == n);
                if (a != b) problems.Add($"{what} {n}: card {Show(a)}, files {Show(b)}");
            }
        }

        void Hash(string file, string recorded)
        {
            var actual = ReleaseWriter.Sha256Of(Path.Combine(release.Dir, file));
            if (actual != recorded) problems.Add($"{file}: sha256 {actual} differs from the card's {recorded}");
        }
    }

    private static string Show(CountRow? r) => r is null ? "(absent)"
        : $"{r.Identities} ids / {r.Images} images ({DataCard.Fmt(r.IdentityShare)} / {DataCard.Fmt(r.ImageShare)})";

    /// <summary>The numbers as a plain-text table (one row per group and per source).</summary>
    public static string Table(CardNumbers n)
    {
        ArgumentNullException.ThrowIfNull(n);
        var lines = new List<string>
        {
            $"kept: {n.KeptIdentities} identities, {n.KeptImages} images; removed: {n.RemovedIdentities} identities, {n.RemovedImages} images",
        };
        if (n.RealFraction is { } rf) lines.Add($"real fraction: {DataCard.Fmt(rf.Identities)} of identities, {DataCard.Fmt(rf.Images)} of images");
        lines.Add($"{"slice",-28} {"kind",-10} {"identities",10} {"images",10} {"id share",9} {"img share",9}");
        foreach (var r in n.Groups.Select(g => ("group " + g.Name, g)).Concat(n.Sources.Select(s => ("source " + s.Name, s))))
            lines.Add($"{r.Item1,-28} {r.Item2.Kind ?? "",-10} {r.Item2.Identities,10} {r.Item2.Images,10} {DataCard.Fmt(r.Item2.IdentityShare),9} {DataCard.Fmt(r.Item2.ImageShare),9}");
        return string.Join('\n', lines) + "\n";
    }
}
