namespace FairKd.Data.Cache;

/// <summary>
/// The derived sidecars of a complete cache (<see cref="KeyIndex"/> <c>_keys.idx</c>, <see cref="TargetMatrix"/>
/// <c>_targets.npy</c>/<c>_targets.json</c>): written by embed and embed merge, rebuilt on first use when missing or
/// stale (a cache written before them, or whose shards changed).
/// </summary>
internal static class CacheSidecars
{
    /// <summary>Writes the key index and the target matrix of the shards <paramref name="index"/> lists (keys in row order).</summary>
    public static void Write(string directory, CacheIndex index, IReadOnlyList<string> keys, CancellationToken ct)
    {
        var print = index.ContentFingerprint();
        KeyIndexBuilder.Write(Path.Combine(directory, KeyIndex.FileName), keys, keys.Count, print);
        using (var built = KeyIndex.TryOpen(Path.Combine(directory, KeyIndex.FileName), print, keys.Count)
            ?? throw new InvalidDataException($"{directory}: the key index just written does not open"))
            built.CheckUnique(directory);
        TargetMatrix.Build(directory, index, directory, ct);
    }

    /// <summary>
    /// Opens a sidecar with <paramref name="open"/>; when that gives null, builds it into the cache folder (atomic
    /// writes) and opens it. When the folder cannot be written (read-only storage), builds it into a private temporary
    /// folder instead, opens it from there and deletes the folder (the open mapping keeps the data alive).
    /// <paramref name="check"/> runs on a freshly built sidecar; if it throws, the files are removed.
    /// </summary>
    public static T OpenOrBuild<T>(string cacheDirectory, Func<string, T?> open, Action<string> build, Action<string, T>? check, string what)
        where T : class, IDisposable
    {
        if (open(cacheDirectory) is { } existing) return existing;
        try
        {
            return BuildAndOpen(cacheDirectory, open, build, check, what);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var temp = Directory.CreateTempSubdirectory("fairkd-sidecar-").FullName;
            try
            {
                return BuildAndOpen(temp, open, build, check, what);
            }
            finally
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static T BuildAndOpen<T>(string dir, Func<string, T?> open, Action<string> build, Action<string, T>? check, string what)
        where T : class, IDisposable
    {
        build(dir);
        var built = open(dir) ?? throw new InvalidDataException($"{dir}: the {what} just built does not open");
        try
        {
            check?.Invoke(dir, built);
            return built;
        }
        catch
        {
            built.Dispose();
            File.Delete(Path.Combine(dir, what));
            throw;
        }
    }
}
