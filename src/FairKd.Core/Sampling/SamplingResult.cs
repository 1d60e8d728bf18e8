namespace FairKd.Core.Sampling;

/// <summary>
/// Outcome of one protocol run. Per-identity arrays are indexed like the input list.
/// <see cref="RemovalOrder"/> lists input indices in the order they were removed.
/// </summary>
public sealed class SamplingResult
{
    private readonly int[] _rank;

    internal SamplingResult(IReadOnlyList<SamplingIdentity> identities, SamplingProtocol protocol, SamplingTarget? target,
        RealQuota? quota, int[] group, long[] score, int[] removalOrder)
    {
        Identities = identities;
        Protocol = protocol;
        Target = target;
        Quota = quota;
        Group = group;
        Score = score;
        RemovalOrder = removalOrder;
        _rank = new int[identities.Count];
        Array.Fill(_rank, -1);
        for (var r = 0; r < removalOrder.Length; r++) _rank[removalOrder[r]] = r;
    }

    /// <summary>The candidate identities as given to the sampler; every per-identity index refers to this list.</summary>
    public IReadOnlyList<SamplingIdentity> Identities { get; }

    /// <summary>The protocol that chose the removals (decides how <see cref="Score"/> is computed and scaled).</summary>
    public SamplingProtocol Protocol { get; }

    /// <summary>The target, or null when nothing was to be removed (keep all).</summary>
    public SamplingTarget? Target { get; }

    /// <summary>The Mix real-fraction quota that constrained removals, or null when none applied.</summary>
    public RealQuota? Quota { get; }

    /// <summary>Assigned group per identity (storage index in <see cref="Records.EthnicGroups.Order"/>).</summary>
    public IReadOnlyList<int> Group { get; }

    /// <summary>Fixed-point score per identity, in units of 1 / <see cref="SamplingProtocols.ScoreUnitsPerOne"/>.</summary>
    public IReadOnlyList<long> Score { get; }

    /// <summary>Input indices in removal order.</summary>
    public IReadOnlyList<int> RemovalOrder { get; }

    /// <summary>0-based removal rank, or -1 if the identity is kept.</summary>
    public int RemovalRank(int index) => _rank[index];

    /// <summary>True when identity <paramref name="index"/> was not removed.</summary>
    public bool IsKept(int index) => _rank[index] < 0;

    /// <summary>The score as a probability (sum or mean).</summary>
    public double ScoreValue(int index) => (double)Score[index] / Protocol.ScoreUnitsPerOne();

    /// <summary>Number of identities left after the removals.</summary>
    public int KeptCount => Identities.Count - RemovalOrder.Count;
}
