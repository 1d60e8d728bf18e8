using System.Globalization;
using System.Text;

namespace FairKd.Data.Demo;

/// <summary>One verification pair: two images (1-based numbers) of one identity (genuine) or of two (impostor).</summary>
internal readonly record struct VerificationPair(string Identity1, int Image1, string Identity2, int Image2)
{
    public bool Genuine => Identity1 == Identity2;
}

/// <summary>
/// Draws verification pairs in the RFW/LFW protocol (10 contiguous folds, each K genuine then K impostor pairs,
/// all pairs distinct) and formats the RFW <c>&lt;Race&gt;_pairs.txt</c> and LFW <c>pairs.txt</c> files.
/// </summary>
internal static class PairListWriter
{
    /// <summary>
    /// <paramref name="folds"/> x (<paramref name="perFold"/> genuine, then <paramref name="perFold"/> impostor) pairs
    /// over identities that each have <paramref name="imagesPerIdentity"/> images numbered from 1.
    /// </summary>
    public static IReadOnlyList<VerificationPair> Draw(DemoRandom rng, IReadOnlyList<string> identities, int imagesPerIdentity, int folds,
        int perFold)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(identities);
        var needed = folds * perFold;

        var genuine = new List<VerificationPair>();
        foreach (var id in identities)
            for (var a = 1; a <= imagesPerIdentity; a++)
                for (var b = a + 1; b <= imagesPerIdentity; b++)
                    genuine.Add(new VerificationPair(id, a, id, b));
        if (genuine.Count < needed)
            throw new ArgumentException($"only {genuine.Count} distinct genuine pairs exist, {needed} needed", nameof(perFold));
        rng.Shuffle(genuine);

        var impostor = new List<VerificationPair>(needed);
        var seen = new HashSet<(int, int, int, int)>();
        var attempts = 0;
        while (impostor.Count < needed)
        {
            if (++attempts > needed * 1000) throw new ArgumentException($"cannot draw {needed} distinct impostor pairs", nameof(identities));
            var i = rng.NextInt(identities.Count);
            var j = rng.NextInt(identities.Count);
            if (i == j) continue;
            var a = 1 + rng.NextInt(imagesPerIdentity);
            var b = 1 + rng.NextInt(imagesPerIdentity);
            var key = i < j ? (i, a, j, b) : (j, b, i, a);
            if (!seen.Add(key)) continue;
            impostor.Add(new VerificationPair(identities[i], a, identities[j], b));
        }

        var pairs = new List<VerificationPair>(2 * needed);
        for (var f = 0; f < folds; f++)
        {
            pairs.AddRange(genuine.Skip(f * perFold).Take(perFold));
            pairs.AddRange(impostor.Skip(f * perFold).Take(perFold));
        }

        return pairs;
    }

    /// <summary>RFW <c>&lt;Race&gt;_pairs.txt</c>: tab-separated <c>id n1 n2</c> or <c>id1 n1 id2 n2</c>, no header.</summary>
    public static string FormatRfw(IEnumerable<VerificationPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sb = new StringBuilder();
        foreach (var p in pairs) AppendRow(sb, p);
        return sb.ToString();
    }

    /// <summary>LFW <c>pairs.txt</c>: header <c>folds&lt;TAB&gt;K</c>, then the rows as in RFW.</summary>
    public static string FormatLfw(IEnumerable<VerificationPair> pairs, int folds, int perFold)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{folds}\t{perFold}\n");
        foreach (var p in pairs) AppendRow(sb, p);
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, VerificationPair p)
    {
        if (p.Genuine) sb.Append(CultureInfo.InvariantCulture, $"{p.Identity1}\t{p.Image1}\t{p.Image2}\n");
        else sb.Append(CultureInfo.InvariantCulture, $"{p.Identity1}\t{p.Image1}\t{p.Identity2}\t{p.Image2}\n");
    }
}
