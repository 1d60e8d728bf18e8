using System.Text;

namespace FairKd.Core.Eval;

/// <summary>
/// The bootstrap's random source, chosen so that any language with 64-bit unsigned arithmetic draws the same indices
/// (tests/golden/bootstrap/generate.py re-implements it in a few lines of Python):
/// <list type="bullet">
/// <item><see cref="Next"/>: SplitMix64 (Steele, Lea and Flood, 2014): <c>state += 0x9E3779B97F4A7C15</c>, then
/// <c>z = state; z = (z ^ z &gt;&gt; 30) * 0xBF58476D1CE4E5B9; z = (z ^ z &gt;&gt; 27) * 0x94D049BB133111EB; return z ^ z &gt;&gt; 31</c>,
/// all modulo 2^64.</item>
/// <item><see cref="NextIndex"/>: an unbiased index in [0, n): draw x until x &gt;= 2^64 mod n, return x mod n.</item>
/// <item><see cref="StreamSeed"/>: one stream per named stratum: seed XOR the 64-bit FNV-1a hash of the name's UTF-8
/// bytes, so a set's resamples do not depend on which other sets were evaluated.</item>
/// </list>
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The current state (the seed before the first draw).</summary>
    public ulong State { get; private set; } = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        State = unchecked(State + Gamma);
        var z = State;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A uniform index in [0, <paramref name="n"/>) by rejection (no modulo bias).</summary>
    public int NextIndex(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var range = (ulong)n;
        var reject = unchecked(0UL - range) % range; // 2^64 mod n
        while (true)
        {
            var x = Next();
            if (x >= reject) return (int)(x % range);
        }
    }

    /// <summary>The seed of the stream named <paramref name="name"/>: <paramref name="seed"/> XOR FNV-1a-64(UTF-8 of the name).</summary>
    public static ulong StreamSeed(ulong seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = FnvOffset;
        foreach (var b in Encoding.UTF8.GetBytes(name)) h = unchecked((h ^ b) * FnvPrime);
        return seed ^ h;
    }
}
