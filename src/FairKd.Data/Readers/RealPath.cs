namespace FairKd.Data.Readers;

/// <summary>Symlink-resolving path helpers (like realpath(3)) used to keep readers inside a dataset root.</summary>
internal static class RealPath
{
    private const int MaxLinkHops = 40;

    /// <summary>
    /// The absolute path with every symlink component resolved, or null when a component does not exist,
    /// a link is broken or links loop.
    /// </summary>
    public static string? Resolve(string path)
    {
        var pending = new List<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var hops = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            var next = Path.Join(current, pending[i]);
            var info = new FileInfo(next);
            string? target;
            try { target = info.LinkTarget; }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }

            if (target is not null)
            {
                if (++hops > MaxLinkHops) return null;
                var resolved = Path.GetFullPath(target, current);
                var rest = pending.GetRange(i + 1, pending.Count - i - 1);
                pending = [.. resolved.Split('/', StringSplitOptions.RemoveEmptyEntries), .. rest];
                current = "/";
                i = -1;
                continue;
            }

            if (!info.Exists && !Directory.Exists(next)) return null;
            current = next;
        }

        return current;
    }

    /// <summary>True when <paramref name="path"/> (already resolved) is <paramref name="root"/> or inside it.</summary>
    public static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);
}
