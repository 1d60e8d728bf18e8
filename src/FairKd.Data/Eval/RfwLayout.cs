using FairKd.Core;
using FairKd.Core.Records;

namespace FairKd.Data.Eval;

/// <summary>
/// Files of one race in the RFW release layout under <c>ROOT</c>: images <c>test/data/&lt;Race&gt;/</c>, pairs
/// <c>test/txts/&lt;Race&gt;/&lt;Race&gt;_pairs.txt</c>, landmarks <c>test/txts/&lt;Race&gt;/&lt;Race&gt;_lmk.txt</c>.
/// </summary>
public sealed record RfwLayout(string Race, string ImageRoot, string PairsFile, string LandmarkFile)
{
    /// <summary>The layout of <paramref name="race"/> (one of <see cref="EthnicGroups.Order"/>); paths are not checked.</summary>
    public static RfwLayout For(string root, string race)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (EthnicGroups.IndexOf(race) < 0)
            throw new UsageException($"RFW race '{race}' is unknown; use one of {string.Join(", ", EthnicGroups.Order)}");
        var full = Path.GetFullPath(root);
        var txts = Path.Combine(full, "test", "txts", race);
        return new RfwLayout(race, Path.Combine(full, "test", "data", race), Path.Combine(txts, $"{race}_pairs.txt"),
            Path.Combine(txts, $"{race}_lmk.txt"));
    }

    /// <summary>Every race found under <paramref name="root"/> (its pairs file exists), in <see cref="EthnicGroups.Order"/>;
    /// throws <see cref="UsageException"/> when there is none.</summary>
    public static IReadOnlyList<RfwLayout> Discover(string root)
    {
        var found = EthnicGroups.Order.Select(r => For(root, r)).Where(l => File.Exists(l.PairsFile)).ToList();
        if (found.Count == 0)
            throw new UsageException($"--rfw {root}: no test/txts/<Race>/<Race>_pairs.txt found (expected the RFW release layout)");
        return found;
    }
}
