using System.Diagnostics;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>A `fairkd embed` child process killed at random moments, then resumed, ends with the uninterrupted run's cache.</summary>
public class EmbedKillResumeTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private string[] Args(string outDir) =>
    [
        "embed", "--dataset", fx.Real, "--dataset", $"rfw={fx.Data}/rfw/test/data:group/identity/image", "--unaligned", "center-crop",
        "--teacher", EmbedFixture.SlowSpec, "--weights", fx.SlowWeights, "--ethnicity-from-folders",
        "--shard-rows", "12", "--batch-size", "4", "--workers", "1", "--threads", "1", "--out", outDir,
    ];

    [Fact]
    public void Killed_three_times_then_resumed_equals_an_uninterrupted_run()
    {
        var reference = fx.Dir.Combine("k-reference");
        var clock = Stopwatch.StartNew();
        var r = ProcessRunner.Fairkd(Args(reference));
        Assert.True(r.ExitCode == 0, r.ToString());
        var full = clock.Elapsed;

        var killed = fx.Dir.Combine("k-killed");
        var rng = new Random(11);
        var kills = 0;
        var resumedFrom = new List<int>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (p, _) = ProcessRunner.StartFairkd(Args(killed));
            using var owned = p;
            var wait = TimeSpan.FromMilliseconds(full.TotalMilliseconds * (0.35 + (0.5 * rng.NextDouble())));
            if (!p.WaitForExit(wait))
            {
                p.Kill(entireProcessTree: true);
                kills++;
            }

            p.WaitForExit();
            resumedFrom.Add(FairKd.Data.Cache.CacheIndex.TryLoad(killed)?.CommittedInputs ?? 0);
        }

        Assert.True(kills >= 1, "no run was killed: the test did not test anything");
        Assert.True(resumedFrom.Any(c => c > 0 && c < 144), $"no kill landed after a committed shard (committed inputs after each attempt: {string.Join(", ", resumedFrom)})");
        r = ProcessRunner.Fairkd(Args(killed));
        Assert.True(r.ExitCode == 0, r.ToString());

        var a0 = EmbedFixture.Rows(reference);
        var b0 = EmbedFixture.Rows(killed);
        Assert.Equal(a0.Select(x => x.Key), b0.Select(x => x.Key)); // same rows, same order: nothing lost or duplicated
        var maxDiff = a0.Zip(b0).Max(t => t.First.E.Zip(t.Second.E).Max(v => Math.Abs(v.First - v.Second)));
        Assert.True(maxDiff < 1e-5, $"max abs difference {maxDiff}");
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "rejects.csv")), File.ReadAllText(Path.Combine(killed, "rejects.csv")));
        Assert.DoesNotContain(Directory.GetFiles(killed), f => f.Contains(".tmp", StringComparison.Ordinal));
    }
}
