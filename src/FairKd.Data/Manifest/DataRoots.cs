using FairKd.Core;

namespace FairKd.Data.Manifest;

/// <summary>Dataset roots given as <c>NAME=PATH</c> options, and safe resolution of relative paths under them.</summary>
public static class DataRoots
{
    /// <summary>Parses NAME=PATH pairs (PATH made absolute); UsageException on a malformed or repeated name.</summary>
    public static IReadOnlyDictionary<string, string> Parse(IEnumerable<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var roots = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            var eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == spec.Length - 1) throw new UsageException($"root '{spec}': expected NAME=PATH (e.g. bupt=/data/BUPT)");
            var name = spec[..eq];
            if (!roots.TryAdd(name, Path.GetFullPath(spec[(eq + 1)..]).TrimEnd('/')))
                throw new UsageException($"root '{name}' is given twice");
        }

        return roots;
    }

    /// <summary>Why <paramref name="relative"/> may not be used under a root (absolute, or a '..' / '.' / empty segment), or null if it is lexically safe.</summary>
    public static string? LexicalProblem(string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        if (relative.Length == 0) return "empty path";
        if (Path.IsPathRooted(relative) || relative.StartsWith('/') || relative.StartsWith('\\')) return "absolute path refused";
        if (relative.AsSpan().IndexOfAny("\0\n\r") >= 0) return "control character (NUL, CR or LF) in path";
        foreach (var seg in relative.Split('/'))
            if (seg is ".." or "." or "") return $"path segment '{seg}' refused (a release lists plain relative paths)";
        return null;
    }

    /// <summary>The path with every symbolic link resolved (like realpath(3)); missing tail components are kept as they are.</summary>
    public static string RealPath(string path) => RealPath(Path.GetFullPath(path), 0);

    private static string RealPath(string full, int depth)
    {
        if (depth > 40) throw new IOException($"too many levels of symbolic links: {full}");
        var cur = "/";
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(cur, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                var resolved = Path.IsPathRooted(target) ? target : Path.Combine(cur, target);
                next = RealPath(Path.GetFullPath(resolved), depth + 1);
            }

            cur = next;
        }

        return cur;
    }

    /// <summary>True if <paramref name="real"/> is <paramref name="rootReal"/> or inside it.</summary>
    public static bool IsInside(string real, string rootReal)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(rootReal);
        var r = rootReal.TrimEnd('/');
        return real == r || real.StartsWith(r + "/", StringComparison.Ordinal) || r.Length == 0;
    }
}
