namespace FairKd.Tests.Shared;

/// <summary>Published reference files committed in the repository's reference/ folder (nothing outside the clone is read).</summary>
internal static class ReferenceFiles
{
    /// <summary>reference/paper-results.md: the study's published Tables 1, 2 and 4. Throws when it is missing (never skips).</summary>
    public static string PaperResults => Require(Path.Combine("reference", "paper-results.md"));

    /// <summary>The full path of <paramref name="relative"/> under the repository root; a missing file is an error that names it.</summary>
    internal static string Require(string relative)
    {
        var path = Path.Combine(RepoPaths.Root, relative);
        if (File.Exists(path)) return path;
        throw new FileNotFoundException(
            $"{relative} is missing from the repository (expected at {path}); it is a committed reference file: restore it with " +
            $"`git checkout -- {relative.Replace(Path.DirectorySeparatorChar, '/')}`", path);
    }
}
