namespace FairKd.Data.Cache;

/// <summary>The cache's use of the one atomic-write scheme (<see cref="Core.IO.AtomicFile"/>): its temp suffix (stray
/// temporaries are deleted on resume) and the hint a failed cache write adds to its message.</summary>
internal static class CacheWrites
{
    /// <summary>Suffix of every temporary file in a cache folder (stray ones are deleted on resume).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>What a failed cache write most likely means, appended once to its message.</summary>
    public const string WriteHint = "(disk full or output folder not writable?)";

    /// <summary>Writes <paramref name="bytes"/> atomically; an IO failure names the file and the hint.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            Core.IO.AtomicFile.WriteAllBytes(path, bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {path}: {ex.Message} {WriteHint}", ex);
        }
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
