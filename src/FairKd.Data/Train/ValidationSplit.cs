using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FairKd.Core;
using FairKd.Core.Eval;

namespace FairKd.Data.Train;

/// <summary>One verification pair of held-out images: indexes into <see cref="ValidationSplit.Images"/>, the label and the
/// group both images belong to (the pair's stratum; null without groups).</summary>
public sealed record ValidationPair(int A, int B, bool Same, string? Group);

/// <summary>One held-out identity: its name, group (null without one) and images.</summary>
public sealed record HeldOutIdentity(string Identity, string? Group, int Images);

/// <summary>
/// `fairkd train --val-split P`: a share of the training identities held out of training and turned into verification
/// pairs that are scored after every epoch, so a checkpoint can be chosen without touching any test set.
/// <list type="bullet">
/// <item>Identities are labelled ones (a name, as the margin head's classes) with at least two images; each group
/// (stratum; identities without a group form one stratum) gives <c>round(P x its identities)</c> of them, at least one
/// when P &gt; 0, so the held-out set is ethnicity-balanced as the training set is.</item>
/// <item>Which ones: the stratum's eligible identities in ordinal order, shuffled by Fisher-Yates with
/// <see cref="SplitMix64"/> seeded <c>StreamSeed(seed, "val-split/" + group)</c>: the same seed and samples hold out the same
/// identities on any machine, and a group's choice does not depend on the other groups.</item>
/// <item>Pairs, per held-out identity in stratum then ordinal order, its images in key order: up to
/// <see cref="GenuinePerIdentity"/> genuine pairs (consecutive images), each followed by one impostor pair (the same first
/// image and a random image of another held-out identity of its group, or of any group when its group holds out one
/// identity). Genuine and impostor pairs alternate, so each of the protocol's contiguous folds holds both.</item>
/// </list>
/// All images of a held-out identity leave training; <see cref="Train"/> keeps the input order of the rest.
/// </summary>
public sealed record ValidationSplit(
    IReadOnlyList<TrainSample> Train,
    IReadOnlyList<TrainSample> Images,
    IReadOnlyList<ValidationPair> Pairs,
    IReadOnlyList<HeldOutIdentity> Identities,
    double Fraction,
    int Seed)
{
    /// <summary>Genuine pairs per held-out identity at most (and as many impostor pairs).</summary>
    public const int GenuinePerIdentity = 3;

    /// <summary>Fewest pairs the split must give: the protocol's 10 folds.</summary>
    public const int MinPairs = 10;

    /// <summary>Genuine pairs.</summary>
    public int GenuinePairs => Pairs.Count(p => p.Same);

    /// <summary>Impostor pairs.</summary>
    public int ImpostorPairs => Pairs.Count(p => !p.Same);

    /// <summary>SHA-256 of the held-out identity names (ordinal order, one per line): what model.json records.</summary>
    public string IdentitiesSha256 =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(Identities.Select(i => i.Identity).Order(StringComparer.Ordinal).Select(i => i + "\n")))));

    /// <summary>Holds out <paramref name="fraction"/> of the identities of <paramref name="samples"/> (see the type).</summary>
    /// <exception cref="UsageException">The fraction is outside (0, 0.5], or the held-out identities give fewer than
    /// <see cref="MinPairs"/> pairs or fewer than two identities.</exception>
    public static ValidationSplit Create(IReadOnlyList<TrainSample> samples, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (!(fraction > 0 && fraction <= 0.5))
            throw new UsageException($"--val-split {fraction.ToString("R", CultureInfo.InvariantCulture)}: give the share of training identities to hold out, in (0, 0.5] (e.g. 0.1)");
        var byIdentity = samples.Where(s => s.Identity.Length > 0).GroupBy(s => s.Identity, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.Key, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var strata = byIdentity.GroupBy(kv => kv.Value[0].Group ?? "", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        var held = new List<(string Stratum, List<string> Ids)>();
        foreach (var stratum in strata)
        {
            var eligible = stratum.Where(kv => kv.Value.Count >= 2).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
            var take = Math.Min(eligible.Count, Math.Max(1, (int)Math.Round(fraction * stratum.Count(), MidpointRounding.AwayFromZero)));
            if (take == 0) continue;
            var rng = new SplitMix64(SplitMix64.StreamSeed((ulong)(uint)seed, "val-split/" + stratum.Key));
            for (var i = eligible.Count - 1; i > 0; i--)
            {
                var j = rng.NextIndex(i + 1);
                (eligible[i], eligible[j]) = (eligible[j], eligible[i]);
            }

            held.Add((stratum.Key, eligible.Take(take).Order(StringComparer.Ordinal).ToList()));
        }

        var heldCount = held.Sum(h => h.Ids.Count);
        if (heldCount < 2)
            throw new UsageException($"--val-split needs at least two labelled identities with two or more images to hold out; these samples give {heldCount}");

        var heldOut = held.SelectMany(h => h.Ids).ToHashSet(StringComparer.Ordinal);
        var images = heldOut.SelectMany(id => byIdentity[id]).OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        var index = images.Select((s, i) => (s.Key, i)).ToDictionary(t => t.Key, t => t.i, StringComparer.Ordinal);
        var all = held.SelectMany(h => h.Ids).ToList();
        var pairs = new List<ValidationPair>();
        var pairRng = new SplitMix64(SplitMix64.StreamSeed((ulong)(uint)seed, "val-pairs"));
        foreach (var (stratum, ids) in held)
        {
            var pool = ids.Count >= 2 ? ids : all;
            foreach (var id in ids)
            {
                var own = byIdentity[id];
                var group = own[0].Group;
                for (var j = 0; j < Math.Min(own.Count - 1, GenuinePerIdentity); j++)
                {
                    pairs.Add(new ValidationPair(index[own[j].Key], index[own[j + 1].Key], true, group));
                    var other = pool[pairRng.NextIndex(pool.Count - 1)];
                    if (string.Equals(other, id, StringComparison.Ordinal)) other = pool[^1];
                    var theirs = byIdentity[other];
                    var b = theirs[pairRng.NextIndex(theirs.Count)];
                    pairs.Add(new ValidationPair(index[own[j].Key], index[b.Key], false, string.Equals(b.Group, group, StringComparison.Ordinal) ? group : null));
                }
            }
        }

        if (pairs.Count < MinPairs)
            throw new UsageException($"--val-split {fraction.ToString("R", CultureInfo.InvariantCulture)} holds out {heldCount} identities giving {pairs.Count} pairs; " +
                $"the 10-fold protocol needs at least {MinPairs}: raise the share");
        var train = samples.Where(s => !heldOut.Contains(s.Identity)).ToList();
        var identities = held.SelectMany(h => h.Ids.Select(id => new HeldOutIdentity(id, byIdentity[id][0].Group, byIdentity[id].Count))).ToList();
        return new ValidationSplit(train, images, pairs, identities, fraction, seed);
    }
}
