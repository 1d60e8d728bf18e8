using System.Diagnostics;
using FairKd.Core.IO;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.IO;

/// <summary>A stage's output folder is held by one run at a time; the lock dies with its holder; only the empty lock file stays.</summary>
public class RunFolderTests
{
    [Fact]
    public void A_second_run_into_a_held_folder_is_refused_with_the_holder()
    {
        using var tmp = new TempDir("runfolder");
        var dir = tmp.Combine("out");
        using (RunFolder.Acquire(dir, "train"))
        {
            var e = Assert.Throws<UsageException>(() => RunFolder.Acquire(dir, "eval"));
            Assert.Contains("is being written by another fairkd run (train, process " + Environment.ProcessId, e.Message, StringComparison.Ordinal);
            Assert.Contains("choose another --out", e.Message, StringComparison.Ordinal);
        }

        // released: the next run takes it; what stays is the empty lock file, no holder record
        using (RunFolder.Acquire(dir, "eval")) Assert.Contains("eval, process", RunFolder.Holder(dir), StringComparison.Ordinal);
        Assert.Equal([RunFolder.LockFileName], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Equal(0, new FileInfo(Path.Combine(dir, RunFolder.LockFileName)).Length);
    }

    [Fact]
    public void Another_process_holding_the_lock_blocks_and_its_death_releases_it()
    {
        using var tmp = new TempDir("runfolder");
        var dir = tmp.Combine("out");
        Directory.CreateDirectory(dir);
        var lockPath = Path.Combine(dir, RunFolder.LockFileName);
        // flock(1) takes the same advisory lock (flock(2)) that .NET takes for FileShare.None on Linux; --close keeps its
        // child (sleep) from sharing it, so killing flock itself releases it.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockPath, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            UsageException? refused = null;
            while (refused is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    RunFolder.Acquire(dir, "embed").Dispose(); // flock(1) has not taken it yet (it waits for us, then takes it)
                    Thread.Sleep(50);
                }
                catch (UsageException e)
                {
                    refused = e;
                }
            }

            Assert.NotNull(refused);
            Assert.Contains("its lock " + lockPath + " is held", refused.Message, StringComparison.Ordinal); // the other holder recorded nothing
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }

        // killed: the kernel released its lock, so the folder is free again
        using (RunFolder.Acquire(dir, "embed")) Assert.Contains("embed, process", RunFolder.Holder(dir), StringComparison.Ordinal);
        Assert.Null(RunFolder.Holder(dir));
    }

    [Fact]
    public void Another_failure_is_not_reported_as_another_run()
    {
        using var tmp = new TempDir("runfolder");
        var dir = tmp.Combine("out");
        Directory.CreateDirectory(dir);
        // the lock file's name taken by a symbolic link to itself: opening it fails with ELOOP, an IOException like the
        // one a held lock gives, but it is not a held lock
        File.CreateSymbolicLink(Path.Combine(dir, RunFolder.LockFileName), RunFolder.LockFileName);
        var e = Assert.ThrowsAny<IOException>(() => RunFolder.Acquire(dir, "train").Dispose());
        Assert.Contains("symbolic links", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("another fairkd run", e.Message, StringComparison.Ordinal);
    }
}
