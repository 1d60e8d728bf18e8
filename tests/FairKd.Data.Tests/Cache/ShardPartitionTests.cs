using CsCheck;
using FairKd.Core;
using FairKd.Data.Cache;

namespace FairKd.Data.Tests.Cache;

public class ShardPartitionTests
{
    [Fact]
    public void Ranges_are_contiguous_disjoint_and_cover_every_sample() =>
        Gen.Select(Gen.Int[0, 100_000], Gen.Int[1, 64]).Sample((total, count) =>
        {
            var next = 0;
            for (var k = 0; k < count; k++)
            {
                var (start, end) = new ShardPartition(k, count).RangeOf(total);
                if (start != next || end < start || end - start > (total / count) + 1) return false;
                next = end;
            }

            return next == total;
        });

    [Fact]
    public void Options_win_then_Slurm_then_Kubernetes()
    {
        var env = new Dictionary<string, string?>
        {
            ["SLURM_ARRAY_TASK_ID"] = "5", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "8", ["JOB_COMPLETION_INDEX"] = "2",
        };
        string? Env(string n) => env.GetValueOrDefault(n);

        Assert.Equal(new ShardPartition(1, 2), ShardPartition.FromOptionsOrEnvironment(1, 2, Env));
        Assert.Equal(new ShardPartition(4, 8), ShardPartition.FromOptionsOrEnvironment(null, null, Env));
        env.Remove("SLURM_ARRAY_TASK_ID");
        Assert.Equal(new ShardPartition(2, 4), ShardPartition.FromOptionsOrEnvironment(null, 4, Env));
        Assert.Throws<UsageException>(() => ShardPartition.FromOptionsOrEnvironment(null, null, Env));
        env.Clear();
        Assert.Equal(ShardPartition.Single, ShardPartition.FromOptionsOrEnvironment(null, null, Env));
        Assert.Throws<UsageException>(() => ShardPartition.FromOptionsOrEnvironment(3, null, Env));
        Assert.Throws<UsageException>(() => ShardPartition.FromOptionsOrEnvironment(3, 3, Env));
        Assert.Throws<UsageException>(() => ShardPartition.FromOptionsOrEnvironment(null, 4, Env));
        env["SLURM_ARRAY_TASK_ID"] = "x";
        Assert.Throws<UsageException>(() => ShardPartition.FromOptionsOrEnvironment(null, 2, Env));
    }

    [Fact]
    public void Select_returns_the_partitions_slice()
    {
        var items = Enumerable.Range(0, 10).ToArray();
        Assert.Equal([3, 4, 5], new ShardPartition(1, 3).Select(items));
        Assert.Equal([6, 7, 8, 9], new ShardPartition(2, 3).Select(items));
    }
}
