namespace FairKd.Core.Run;

/// <summary>
/// Estimated wall time of a step: its work (images, x epochs for training) divided by the first matching measured rate
/// of <see cref="PipelineDocument.Rates"/> (images/s). Null when no rate matches.
/// </summary>
public static class CostModel
{
    /// <summary>Seconds for <paramref name="step"/>, or null when the pipeline has no rate for it. Report steps cost nothing.</summary>
    public static double? Seconds(PlannedStep step, IReadOnlyDictionary<string, double> rates)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(rates);
        if (step.WorkImages <= 0) return 0;
        foreach (var key in step.RateKeys)
        {
            if (rates.TryGetValue(key, out var rate) && rate > 0) return step.WorkImages / rate;
        }

        return null;
    }

    /// <summary>Hours and minutes, e.g. <c>3h07m</c>, <c>12m30s</c>, <c>45s</c>; "?" for unknown.</summary>
    public static string Format(double? seconds)
    {
        if (seconds is not { } s) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(s));
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h{t.Minutes:00}m";
        if (t.TotalMinutes >= 1) return $"{t.Minutes}m{t.Seconds:00}s";
        return $"{t.Seconds}s";
    }
}
