using System.Globalization;

namespace FairKd.Core.Eval;

/// <summary>
/// The counts and identity-bootstrap intervals of an evaluation, computed from its scored pairs (scores.csv), so
/// `fairkd eval` and a reviewer holding scores.csv get the same numbers.
/// </summary>
public static class EvalEvidence
{
    /// <summary>The note of a set without an interval because the bootstrap is off.</summary>
    public const string BootstrapOff = "bootstrap off (--bootstrap 0)";

    /// <summary>The note of a set without an interval because its pairs name no identities.</summary>
    public const string NoIdentities = "no identity bootstrap: the set names no identities (.bin pack)";

    /// <summary>
    /// <paramref name="result"/> with identities per set and RFW group, and (when <paramref name="options"/> is enabled)
    /// the interval of every set's accuracy and of the RFW groups, Average, STD and SER. The resamples of a set come
    /// from its own stream (<see cref="IdentityBootstrap"/>); the RFW statistics of resample b use resample b of each group.
    /// </summary>
    public static EvalResult Attach(EvalResult result, IReadOnlyList<ScoredPair> scores, BootstrapOptions options, VerificationProtocol? protocol = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(options);
        protocol ??= VerificationProtocol.Default;
        var bySet = scores.GroupBy(s => s.Set, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var resampled = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var identities = new Dictionary<string, int>(StringComparer.Ordinal);
        var sets = result.Sets.Select(set =>
        {
            var scored = bySet.GetValueOrDefault(set.Name) ?? [];
            if (scored.Count != set.Pairs)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"set {set.Name}: {scored.Count} scored pairs for {set.Pairs} in the result"));
            var pairs = BootstrapPairs.From(set.Name, scored, protocol.Folds);
            if (pairs is null) return set with { Identities = null, AccuracyInterval = null, IntervalNote = NoIdentities };
            identities[set.Group ?? set.Name] = pairs.IdentityNames.Count;
            var withCount = set with { Identities = pairs.IdentityNames.Count };
            if (!options.Enabled) return withCount with { AccuracyInterval = null, IntervalNote = BootstrapOff };
            var acc = IdentityBootstrap.Accuracies(pairs, [scored.Select(p => p.Distance).ToArray()], options, protocol)[0];
            if (set.Group is not null) resampled[set.Group] = acc;
            return withCount with { AccuracyInterval = BootstrapStatistics.Interval(acc, options.Confidence), IntervalNote = null };
        }).ToList();

        var rfw = result.Rfw?.WithIdentities(identities);
        if (rfw is not null && rfw.Groups.All(g => resampled.ContainsKey(g.Group)))
            rfw = rfw.WithIntervals(BootstrapStatistics.Fairness(rfw.Groups.Select(g => resampled[g.Group]).ToList()), options.Confidence);
        return result with
        {
            Sets = sets,
            Rfw = rfw,
            Protocol = result.Protocol with { Bootstrap = BootstrapInfo.From(options) },
        };
    }
}
