namespace FairKd.Tests.Shared;

/// <summary>Read-only reference files of the shared folder (CI places a copy of shared/ beside the clone).</summary>
internal static class ReferenceFiles
{
    /// <summary>
    /// shared/reference/paper-results.md: &lt;repo root&gt;/../shared/reference first, else the nearest ancestor folder holding
    /// shared/reference/paper-results.md (developer worktrees). Fails with a clear message when absent.
    /// </summary>
    public static string PaperResults => Find(Path.Combine("shared", "reference", "paper-results.md"));

    private static string Find(string relative)
    {
        for (var dir = Directory.GetParent(RepoPaths.Root); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }

        throw new FileNotFoundException(
            $"{relative} not found: expected {Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", relative))} " +
            "(CI places a copy of shared/ beside the clone; developers keep it beside their worktree)");
    }
}
