namespace FairKd.Torch.Losses;

/// <summary>
/// A small deterministic .NET random source (SplitMix64) with normal draws (Box-Muller). Its whole state is
/// one <see cref="State"/> value, so a checkpoint can store and restore it exactly.
/// </summary>
public sealed class SeededNormal(long seed)
{
    /// <summary>The generator state (store it to resume the exact sequence).</summary>
    public ulong State { get; set; } = (ulong)seed;

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in (0, 1].</summary>
    public double NextUniform() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>Fills <paramref name="destination"/> with draws from N(mean, std).</summary>
    public void FillNormal(Span<float> destination, double mean, double std)
    {
        for (var i = 0; i < destination.Length; i += 2)
        {
            var r = Math.Sqrt(-2.0 * Math.Log(NextUniform()));
            var a = 2.0 * Math.PI * NextUniform();
            destination[i] = (float)(mean + std * r * Math.Cos(a));
            if (i + 1 < destination.Length) destination[i + 1] = (float)(mean + std * r * Math.Sin(a));
        }
    }
}

/// <summary>A header whose forward draws random numbers from a <see cref="SeededNormal"/> (checkpointed by the trainer).</summary>
public interface IStochasticHeader
{
    /// <summary>The header's random source.</summary>
    SeededNormal Random { get; }
}
