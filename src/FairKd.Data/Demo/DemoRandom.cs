namespace FairKd.Data.Demo;

/// <summary>
/// A small deterministic generator (SplitMix64) for the demo data. Every image gets its own instance seeded from
/// (seed, subset, identity, image), so outputs do not depend on thread count or scheduling.
/// </summary>
internal sealed class DemoRandom
{
    private ulong _state;
    private double? _spareGaussian;

    public DemoRandom(ulong seed) => _state = seed;

    /// <summary>A generator for one purpose, derived from a run seed and any number of labels.</summary>
    public static DemoRandom For(long seed, string purpose, params long[] indices) => new(Derive(seed, purpose, indices));

    /// <summary>Mixes a seed, a text label (FNV-1a, stable across processes) and indices into a 64-bit seed.</summary>
    public static ulong Derive(long seed, string purpose, params long[] indices)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        ArgumentNullException.ThrowIfNull(indices);
        var h = Mix(unchecked((ulong)seed) ^ 0x6A09E667F3BCC909UL);
        var fnv = 14695981039346656037UL;
        foreach (var c in purpose)
        {
            fnv ^= c;
            fnv *= 1099511628211UL;
        }

        h = Mix(h ^ fnv);
        foreach (var i in indices) h = Mix(h ^ unchecked((ulong)i * 0x9E3779B97F4A7C15UL));
        return h;
    }

    /// <summary>The SplitMix64 finaliser: a strong 64-bit mixing function.</summary>
    public static ulong Mix(ulong z)
    {
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        var z = _state;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + ((hi - lo) * NextDouble());

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be positive");
        return (int)(NextULong() % (ulong)n);
    }

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box-Muller, polar form).</summary>
    public double Gaussian()
    {
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            return spare;
        }

        double u, v, s;
        do
        {
            u = (2 * NextDouble()) - 1;
            v = (2 * NextDouble()) - 1;
            s = (u * u) + (v * v);
        }
        while (s >= 1 || s == 0);

        var f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * f;
        return u * f;
    }

    /// <summary>Normal with the given mean and standard deviation, clamped to [mean - 3 sd, mean + 3 sd].</summary>
    public double Normal(double mean, double sd) => mean + (sd * Math.Clamp(Gaussian(), -3, 3));

    /// <summary>An index drawn with the given (unnormalised, non-negative) weights.</summary>
    public int Pick(ReadOnlySpan<double> weights)
    {
        double total = 0;
        foreach (var w in weights) total += w;
        var r = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            r -= weights[i];
            if (r < 0) return i;
        }

        return weights.Length - 1;
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
