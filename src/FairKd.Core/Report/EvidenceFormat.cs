using System.Globalization;
using FairKd.Core.Eval;

namespace FairKd.Core.Report;

/// <summary>The short texts the report and `fairkd eval` print beside fairness numbers: counts, intervals, targets, n/a reasons.</summary>
public static class EvidenceFormat
{
    /// <summary>"N (G/I)": all pairs, genuine / impostor.</summary>
    public static string PairCounts(int genuine, int impostor) =>
        string.Create(CultureInfo.InvariantCulture, $"{genuine + impostor} ({genuine}/{impostor})");

    /// <summary>A FAR/FMR target as 1e-3.</summary>
    public static string Target(double target)
    {
        var exponent = Math.Log10(target);
        return Math.Abs(exponent - Math.Round(exponent)) < 1e-9
            ? string.Create(CultureInfo.InvariantCulture, $"1e{Math.Round(exponent):0}")
            : target.ToString("G3", CultureInfo.InvariantCulture);
    }

    /// <summary>"[lo, hi]" with <paramref name="scale"/> applied and <paramref name="decimals"/> decimals, or the reason there is no interval.</summary>
    public static string Interval(BootstrapInterval? interval, double scale = 1, int decimals = 2, string? note = null)
    {
        if (interval is { Lower: { } lo, Upper: { } hi })
            return string.Create(CultureInfo.InvariantCulture, $"[{(lo * scale).ToString("F" + decimals, CultureInfo.InvariantCulture)}, {(hi * scale).ToString("F" + decimals, CultureInfo.InvariantCulture)}]");
        if (interval is { UndefinedResamples: > 0 } u)
            return string.Create(CultureInfo.InvariantCulture, $"n/a (undefined in {u.UndefinedResamples} resamples)");
        return note is null ? "n/a" : $"n/a ({note})";
    }

    /// <summary>Why an operating point or its ratios are n/a, or null when everything is defined.</summary>
    public static string? OperatingPointNote(OperatingPoint p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Result is not { } r) return $"n/a ({p.NullReason})";
        var notes = new List<string>();
        if (r.Groups.Any(g => g.Fmr == 0)) notes.Add("FMR ratios n/a (a group has no false matches)");
        if (r.Groups.Any(g => g.Fnmr == 0)) notes.Add("FNMR ratios n/a (a group has no false non-matches)");
        return notes.Count == 0 ? null : string.Join("; ", notes);
    }

    /// <summary>TAR at <paramref name="t"/> in percent with 2 decimals, or "n/a (reason)".</summary>
    public static string Tar(TarAtFar? t) => t switch
    {
        null => "-",
        { Tar: { } v } => (100 * v).ToString("F2", CultureInfo.InvariantCulture),
        _ => $"n/a ({t.NullReason})",
    };

    /// <summary>The bootstrap settings as one phrase, e.g. "1000 identity resamples, seed 1, 95% percentile intervals".</summary>
    public static string Bootstrap(BootstrapInfo? b) => b is null
        ? "bootstrap off"
        : string.Create(CultureInfo.InvariantCulture, $"{b.Resamples} identity resamples, seed {b.Seed}, {b.Confidence * 100:0.#}% percentile intervals");
}
