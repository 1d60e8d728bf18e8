using System.Globalization;
using FairKd.Core;

namespace FairKd.Data.Cache;

/// <summary>
/// Partition K of N of the deterministic, ordered sample list, for scale-out (Slurm job arrays, Kubernetes
/// Indexed Jobs). Rule: contiguous ranges, partition K covers positions
/// <c>[floor(T*K/N), floor(T*(K+1)/N))</c> of the T ordered samples. Contiguous ranges keep every partition in
/// input order, so merging the partitions in K order reproduces the single-run row order exactly; sizes differ
/// by at most one sample.
/// </summary>
public sealed record ShardPartition
{
    /// <summary>Partition <paramref name="index"/> (0-based) of <paramref name="count"/>; UsageException when count &lt; 1 or index is outside 0..count-1.</summary>
    public ShardPartition(int index, int count)
    {
        if (count < 1) throw new UsageException($"shard count must be at least 1 (got {count})");
        if (index < 0 || index >= count)
            throw new UsageException($"shard index {index} is outside 0..{count - 1} (shard count {count})");
        Index = index;
        Count = count;
    }

    /// <summary>Zero-based partition index K.</summary>
    public int Index { get; }

    /// <summary>Number of partitions N.</summary>
    public int Count { get; }

    /// <summary>The whole sample list in one partition (0 of 1).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Single is the one-partition instance (0 of 1), not the float type System.Single")]
    public static ShardPartition Single { get; } = new(0, 1);

    /// <summary>
    /// The partition from explicit options, else from the environment:
    /// <c>SLURM_ARRAY_TASK_ID</c> (minus <c>SLURM_ARRAY_TASK_MIN</c> when set) with <c>SLURM_ARRAY_TASK_COUNT</c>
    /// (or <paramref name="count"/>), or <c>JOB_COMPLETION_INDEX</c> (Kubernetes Indexed Job) with
    /// <paramref name="count"/> (required: the Job's completions). Neither given: <see cref="Single"/>.
    /// </summary>
    /// <param name="index">--shard-index, wins over the environment.</param>
    /// <param name="count">--shard-count, wins over the environment.</param>
    /// <param name="environment">Variable lookup (tests); null = the process environment.</param>
    public static ShardPartition FromOptionsOrEnvironment(int? index, int? count, Func<string, string?>? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        if (index is not null)
        {
            if (count is null) throw new UsageException("--shard-index needs --shard-count");
            return new ShardPartition(index.Value, count.Value);
        }

        var slurmId = ParseEnv(env, "SLURM_ARRAY_TASK_ID");
        if (slurmId is not null)
        {
            var slurmMin = ParseEnv(env, "SLURM_ARRAY_TASK_MIN") ?? 0;
            var slurmCount = count ?? ParseEnv(env, "SLURM_ARRAY_TASK_COUNT")
                ?? throw new UsageException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --shard-count");
            return new ShardPartition(slurmId.Value - slurmMin, slurmCount);
        }

        var k8sIndex = ParseEnv(env, "JOB_COMPLETION_INDEX");
        if (k8sIndex is not null)
        {
            if (count is null)
                throw new UsageException("JOB_COMPLETION_INDEX is set: pass --shard-count equal to the Indexed Job's completions");
            return new ShardPartition(k8sIndex.Value, count.Value);
        }

        return count is null or 1 ? Single : throw new UsageException("--shard-count needs --shard-index (or a job-array index in the environment)");
    }

    /// <summary>Global positions [Start, End) of this partition among <paramref name="total"/> ordered samples.</summary>
    public (int Start, int End) RangeOf(int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        return ((int)((long)total * Index / Count), (int)((long)total * (Index + 1) / Count));
    }

    /// <summary>This partition's slice of an ordered list.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var (start, end) = RangeOf(ordered.Count);
        var slice = new T[end - start];
        for (var i = start; i < end; i++) slice[i - start] = ordered[i];
        return slice;
    }

    /// <summary>"K of N", as logs show it.</summary>
    public override string ToString() => $"{Index} of {Count}";

    private static int? ParseEnv(Func<string, string?> env, string name)
    {
        var text = env(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new UsageException($"environment variable {name}='{text}' is not an integer");
    }
}
