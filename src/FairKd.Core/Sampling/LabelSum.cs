using FairKd.Core.Records;

namespace FairKd.Core.Sampling;

/// <summary>
/// Sum of 4-way soft labels over an identity's images, in exact fixed point so that every total the protocols
/// compare is order-independent and exact (no floating-point drift between an incremental and a recomputed sum).
/// Each image probability p is quantised once to <c>round(p * 2^24)</c> (<see cref="UnitsPerOne"/>; away from zero),
/// then summed as integers. Components are in <see cref="EthnicGroups.Order"/> (African, Asian, Caucasian, Indian).
/// </summary>
public readonly record struct LabelSum(long African, long Asian, long Caucasian, long Indian)
{
    /// <summary>Fixed-point units per probability 1.0 (2^24: float32 resolution at 1.0).</summary>
    public const long UnitsPerOne = 1L << 24;

    /// <summary>Component by storage index (<see cref="EthnicGroups.Order"/>).</summary>
    public long this[int group] => group switch
    {
        0 => African,
        1 => Asian,
        2 => Caucasian,
        3 => Indian,
        _ => throw new ArgumentOutOfRangeException(nameof(group), group, "group index must be 0..3"),
    };

    /// <summary>Quantises one image's probabilities (4 values in <see cref="EthnicGroups.Order"/>).</summary>
    public static LabelSum FromProbabilities(ReadOnlySpan<float> p)
    {
        if (p.Length != 4) throw new ArgumentException($"expected 4 probabilities, got {p.Length}", nameof(p));
        return new LabelSum(Q(p[0]), Q(p[1]), Q(p[2]), Q(p[3]));
    }

    /// <summary>Component-wise sum.</summary>
    public static LabelSum operator +(LabelSum a, LabelSum b) =>
        new(a.African + b.African, a.Asian + b.Asian, a.Caucasian + b.Caucasian, a.Indian + b.Indian);

    /// <summary>Component-wise sum (named alternative of +).</summary>
    public static LabelSum Add(LabelSum a, LabelSum b) => a + b;

    /// <summary>True if any component is negative (invalid input).</summary>
    public bool HasNegative => African < 0 || Asian < 0 || Caucasian < 0 || Indian < 0;

    private static long Q(float p) => (long)Math.Round((double)p * UnitsPerOne, MidpointRounding.AwayFromZero);
}
