using FairKd.Core;

namespace FairKd.Data.Manifest;

/// <summary>Outcome of `manifest verify`: files checked, hashes compared, and every problem (path: reason).</summary>
public sealed record VerifyReport(int Checked, int Hashed, IReadOnlyList<string> Problems);

/// <summary>
/// Checks that every sample of a release exists under its dataset's root. Refused: absolute paths, '..' (or '.', empty)
/// segments, and paths whose symbolic links lead outside the root. Where samples.csv records a SHA-256, the file's
/// hash must match.
/// </summary>
public static class ReleaseVerifier
{
    /// <exception cref="UsageException">a dataset of the release has no root.</exception>
    public static VerifyReport Verify(Release release, IReadOnlyDictionary<string, string> roots, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(roots);
        var needed = release.Samples.Select(s => s.Dataset).Distinct().Order(StringComparer.Ordinal).ToList();
        var lacking = needed.Where(d => !roots.ContainsKey(d)).ToList();
        if (lacking.Count > 0)
            throw new UsageException($"give --data-root NAME=PATH for {lacking.Count} datasets: {string.Join(", ", lacking)}");
        var realRoots = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in needed)
        {
            if (!Directory.Exists(roots[d])) throw new UsageException($"data root {d}={roots[d]} is not a folder");
            realRoots[d] = DataRoots.RealPath(roots[d]);
        }

        var problems = new List<string>();
        int ok = 0, hashed = 0;
        foreach (var s in release.Samples)
        {
            ct.ThrowIfCancellationRequested();
            var where = $"{s.Dataset}:{s.RelativePath}";
            if (DataRoots.LexicalProblem(s.RelativePath) is { } lex) { problems.Add($"{where}: {lex}"); continue; }
            var full = Path.Combine(roots[s.Dataset], s.RelativePath);
            var real = DataRoots.RealPath(full);
            if (!DataRoots.IsInside(real, realRoots[s.Dataset])) { problems.Add($"{where}: resolves outside its root (symbolic link to {real})"); continue; }
            if (!File.Exists(real)) { problems.Add($"{where}: missing"); continue; }
            if (s.Sha256 is { } expected)
            {
                hashed++;
                var actual = ReleaseWriter.Sha256Of(real);
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase)) { problems.Add($"{where}: sha256 {actual}, expected {expected}"); continue; }
            }

            ok++;
        }

        return new VerifyReport(ok + problems.Count, hashed, problems);
    }
}
