using System.Runtime.InteropServices;
using System.Text;

namespace FairKd.Core.IO;

/// <summary>
/// Writes a file so that a reader (or a rerun after a crash) sees either the old content or the complete new one:
/// the bytes go to <c>.NAME.PID.tmp</c> beside the target, are flushed to disk (fsync), renamed over the target, and
/// the folder entry is flushed too. The one atomic-write scheme of FairKd.
/// </summary>
public static class AtomicFile
{
    /// <summary>The temporary name used for <paramref name="path"/> by this process.</summary>
    public static string TempPathFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM).</summary>
    public static void WriteAllText(string path, string text) => Write(path, s =>
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        s.Write(bytes, 0, bytes.Length);
    });

    /// <summary>Writes <paramref name="bytes"/>. <paramref name="durable"/> false skips the two fsyncs: for the many small
    /// files of an output that is regenerated when damaged (the demo data, whose manifest holds every file's SHA-256) the
    /// rename still makes the file appear whole or not at all.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, bool durable = true)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy, 0, copy.Length), durable);
    }

    /// <summary>Lets <paramref name="write"/> fill the temporary file, then makes it <paramref name="path"/>; on failure the target is
    /// untouched and the temporary removed. <paramref name="durable"/>: fsync the file and the folder (default).</summary>
    public static void Write(string path, Action<Stream> write, bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = TempPathFor(full);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: durable);
            }

            File.Move(tmp, full, overwrite: true);
            if (durable) FlushDirectory(dir);
        }
        catch
        {
            try { File.Delete(tmp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Lets <paramref name="writeTemp"/> write the temporary file by its path (for writers that take a file name, such as
    /// an image or plot encoder), then makes it <paramref name="path"/> as <see cref="Write"/> does.
    /// </summary>
    public static void WriteViaPath(string path, Action<string> writeTemp)
    {
        ArgumentNullException.ThrowIfNull(writeTemp);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = TempPathFor(full);
        try
        {
            writeTemp(tmp);
            Commit(tmp, full);
        }
        catch
        {
            try { File.Delete(tmp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// The last step of a streaming writer that filled <paramref name="temp"/> itself (a Parquet shard, a sample index, a
    /// rejects file): flushes it to disk, renames it over <paramref name="path"/> and flushes the folder entry.
    /// </summary>
    public static void Commit(string temp, string path)
    {
        using (var fs = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
            fs.Flush(flushToDisk: true);
        var full = Path.GetFullPath(path);
        File.Move(temp, full, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(full)!);
    }

    /// <summary>fsyncs a folder so a rename in it survives a power cut (no-op where the OS cannot open folders).</summary>
    public static void FlushDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var fd = NativeMethods.Open(dir, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { _ = NativeMethods.Fsync(fd); }
        finally { _ = NativeMethods.Close(fd); }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
