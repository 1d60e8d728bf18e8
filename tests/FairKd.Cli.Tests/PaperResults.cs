namespace FairKd.Cli.Tests;

/// <summary>Locates shared/reference/paper-results.md: &lt;repo root&gt;/../shared first (CI layout), else the nearest ancestor holding it.</summary>
internal static class PaperResults
{
    public static string Path()
    {
        for (var dir = Directory.GetParent(FairKd.Tests.Shared.RepoPaths.Root); dir is not null; dir = dir.Parent)
        {
            var p = System.IO.Path.Combine(dir.FullName, "shared", "reference", "paper-results.md");
            if (File.Exists(p)) return p;
        }

        throw new FileNotFoundException("shared/reference/paper-results.md not found beside the repository (CI copies shared/ beside the clone)");
    }
}
