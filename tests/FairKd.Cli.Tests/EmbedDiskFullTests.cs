using System.Security.Cryptography;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd embed` onto a disk that fills up half-way: exit 1 with a clear message, nothing partial indexed,
/// and a rerun on a roomy disk resumes to the uninterrupted run's cache.</summary>
public class EmbedDiskFullTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private string[] Args(string outDir) =>
    [
        "embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
        "--ethnicity-from-folders", "--shard-rows", "8", "--out", outDir,
    ];

    [SmallTmpfsFact]
    public void A_full_disk_exits_one_indexes_only_complete_shards_and_resumes()
    {
        var reference = fx.Dir.Combine("d-reference");
        var r = ProcessRunner.Fairkd(Args(reference));
        Assert.True(r.ExitCode == 0, r.ToString());
        var shards = CacheIndex.TryLoad(reference)!.Shards.Count;

        // A tmpfs of about half the pages the finished cache takes, mounted in a private mount namespace for the
        // run only; what the run left there is copied out before the namespace (and the tmpfs) goes away.
        var pages = Directory.GetFiles(reference).Sum(f => (new FileInfo(f).Length + 4095) / 4096);
        var mountPoint = fx.Dir.Combine("d-mount");
        var leftOver = fx.Dir.Combine("d-left");
        Directory.CreateDirectory(mountPoint);
        Directory.CreateDirectory(leftOver);
        r = ProcessRunner.Run("unshare", [
            "-rm", "sh", "-c", "m=\"$1\"; l=\"$2\"; mount -t tmpfs -o size=\"$0\" tmpfs \"$m\" || exit 99; shift 2; dotnet \"$@\"; rc=$?; cp -a \"$m\"/. \"$l\"/; exit $rc",
            (pages / 2 * 4096).ToString(System.Globalization.CultureInfo.InvariantCulture), mountPoint, leftOver,
            Path.Combine(AppContext.BaseDirectory, "fairkd.dll"), .. Args(Path.Combine(mountPoint, "cache")),
        ]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("No space left on device", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("Nothing partial was indexed", r.StdErr, StringComparison.Ordinal);
        Assert.Single(r.StdErr.Split(AtomicFileHint).Skip(1)); // the hint once, not once per layer
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal); // a message, not a stack trace

        var cache = Path.Combine(leftOver, "cache");
        var index = CacheIndex.TryLoad(cache);
        Assert.NotNull(index);
        Assert.InRange(index.Shards.Count, 1, shards - 1);
        foreach (var s in index.Shards)
        {
            var file = Path.Combine(cache, s.File);
            Assert.Equal(s.Bytes, new FileInfo(file).Length);
            Assert.Equal(s.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))));
        }

        Assert.DoesNotContain(Directory.GetFiles(cache), f => f.EndsWith(".tmp", StringComparison.Ordinal));

        // the same command on a disk with room resumes where the index ends
        r = ProcessRunner.Fairkd(Args(cache));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("resuming at sample", r.StdOut, StringComparison.Ordinal);
        var a = EmbedFixture.Rows(reference);
        var b = EmbedFixture.Rows(cache);
        Assert.Equal(a.Select(x => x.Key), b.Select(x => x.Key));
        var maxDiff = a.Zip(b).Max(t => t.First.E.Zip(t.Second.E).Max(v => Math.Abs(v.First - v.Second)));
        Assert.True(maxDiff < 1e-5, $"max abs difference {maxDiff}");
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "rejects.csv")), File.ReadAllText(Path.Combine(cache, "rejects.csv")));
    }

    private const string AtomicFileHint = "(disk full or output folder not writable?)";
}

/// <summary>A fact that needs a private mount namespace in which a small tmpfs can be mounted (util-linux `unshare -rm`,
/// root or unprivileged user namespaces); skipped, with the reason shown, where the machine forbids it.</summary>
public sealed class SmallTmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public SmallTmpfsFactAttribute()
    {
        if (Unavailable.Value is { } why) Skip = why;
    }

    private static string? Probe()
    {
        var dir = Directory.CreateTempSubdirectory("fairkd-tmpfs-probe");
        try
        {
            var r = ProcessRunner.Run("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=65536 tmpfs \"$0\"", dir.FullName], TimeSpan.FromSeconds(30));
            return r.ExitCode == 0 ? null : $"cannot mount a tmpfs in a private mount namespace here (unshare -rm: exit {r.ExitCode}: {r.StdErr.Trim()})";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return "unshare (util-linux) is not available: " + ex.Message;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
