using System.Globalization;

namespace FairKd.Core.IO;

/// <summary>
/// The output folder of one stage run, held exclusively while the stage writes it. <see cref="Acquire"/> creates the folder
/// and opens <c>OUT/.fairkd-lock</c> with <see cref="FileShare.None"/> (on Linux an advisory <c>flock</c> that the kernel
/// releases when the process ends, so a killed run never blocks its rerun), then records who holds it in
/// <c>OUT/.fairkd-lock.info</c>. A second stage run into the same folder, from another process or the same one, is refused
/// with a <see cref="UsageException"/> naming the holder, instead of interleaving its writes with the first (two
/// <c>fairkd train --out X</c> would otherwise write the same checkpoints). <see cref="Dispose"/> removes the holder record
/// while it still holds the lock, then releases the lock. The empty lock file itself stays: deleting it would let a run
/// that opened it a moment before lock a file no longer in the folder while a third run locks a new one. On a file
/// system without <c>flock</c> (some network mounts) .NET opens the file without the lock: the folder is then not
/// protected, and no run is refused.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>The lock file's name inside the folder.</summary>
    public const string LockFileName = ".fairkd-lock";

    /// <summary>The holder record's name inside the folder (stage, process id, host, start time).</summary>
    public const string InfoFileName = ".fairkd-lock.info";

    private readonly FileStream _lock;
    private bool _disposed;

    private RunFolder(string path, FileStream held)
    {
        FullPath = path;
        _lock = held;
    }

    /// <summary>The folder (full path).</summary>
    public string FullPath { get; }

    /// <summary>Creates <paramref name="dir"/> if needed and holds it for <paramref name="stage"/>; throws
    /// <see cref="UsageException"/> when another run holds it.</summary>
    public static RunFolder Acquire(string dir, string stage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        var full = Path.GetFullPath(dir);
        Directory.CreateDirectory(full);
        var lockPath = Path.Combine(full, LockFileName);
        FileStream held;
        try
        {
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsHeld(e))
        {
            var holder = Holder(full);
            throw new UsageException($"{dir} is being written by another fairkd run ({holder ?? "its lock " + lockPath + " is held"}): " +
                "wait for it to finish, or choose another --out");
        }

        var info = string.Create(CultureInfo.InvariantCulture,
            $"{stage}, process {Environment.ProcessId} on {Environment.MachineName}, since {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");
        AtomicFile.WriteAllText(Path.Combine(full, InfoFileName), info + "\n");
        return new RunFolder(full, held);
    }

    /// <summary>The lock is held by another open file: EWOULDBLOCK from flock on Linux (the HResult .NET gives is the errno),
    /// ERROR_SHARING_VIOLATION on Windows. Any other failure (a full disk, a lock file that is a folder) is its own error,
    /// never reported as another run.</summary>
    private static bool IsHeld(IOException e) =>
        e.GetType() == typeof(IOException) && (OperatingSystem.IsWindows() ? e.HResult == unchecked((int)0x80070020) : e.HResult == EWouldBlock);

    // EAGAIN = EWOULDBLOCK on Linux.
    private const int EWouldBlock = 11;

    /// <summary>Who holds <paramref name="dir"/>, as its holder recorded it, or null when nobody recorded it.</summary>
    public static string? Holder(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, InfoFileName)).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Removes the holder record (while still holding the lock) and releases the folder.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            File.Delete(Path.Combine(FullPath, InfoFileName));
        }
        catch (IOException)
        {
            // the folder was removed under us: nothing left to clean
        }
        catch (UnauthorizedAccessException)
        {
            // a read-only folder: the stale record is replaced by the next holder
        }

        _lock.Dispose();
    }
}
