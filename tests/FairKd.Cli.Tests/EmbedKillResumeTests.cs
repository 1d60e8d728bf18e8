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
            // Kill on progress, not on the clock: wait until this attempt has committed a shard of its own (so the
            // kill lands after real work on any machine speed), then at a seeded random moment within the next
            // shard's time, which may fall mid-batch, mid-write or mid-rename.
            var before = Committed(killed);
            var (p, _) = ProcessRunner.StartFairkd(Args(killed));
            using var owned = p;
            var deadline = Stopwatch.StartNew();
            while (!p.HasExited && Committed(killed) <= before && deadline.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(10);
            var perShard = full.TotalMilliseconds * 12 / 144;
            if (!p.WaitForExit(TimeSpan.FromMilliseconds(perShard * rng.NextDouble())))
            {
                p.Kill(entireProcessTree: true);
                kills++;
            }

            p.WaitForExit();
            resumedFrom.Add(Committed(killed));
        }

        var progress = string.Join(", ", resumedFrom);
        Assert.True(kills == 3, $"only {kills} of 3 runs were killed before they finished (committed inputs after each attempt: {progress})");
        Assert.True(resumedFrom.Zip(resumedFrom.Skip(1)).All(t => t.First < t.Second) && resumedFrom[0] > 0 && resumedFrom[^1] < 144,
            $"every killed run should commit at least one shard and none should finish (committed inputs after each attempt: {progress})");
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

    private static int Committed(string dir) => FairKd.Data.Cache.CacheIndex.TryLoad(dir)?.CommittedInputs ?? 0;
}
