using System.Security.Cryptography;

namespace FairKd.Data.Cache;

/// <summary>Write-to-temp, flush to disk, rename: a reader sees the old file or the new one, never a torn one.</summary>
internal static class AtomicFile
{
    /// <summary>Suffix of every temporary file in a cache folder (stray ones are deleted on resume).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>What a failed cache write most likely means, appended once to its message.</summary>
    public const string WriteHint = "(disk full or output folder not writable?)";

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + TempSuffix;
        try
        {
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"cannot write {path}: {ex.Message} {WriteHint}", ex);
        }
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static string Sha256Hex(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }
}
