namespace FairKd.Benchmarks;

/// <summary>Locates this project's folder (results and peer scripts live beside it) from the binary's location.</summary>
internal static class BenchPaths
{
    public static string ProjectDir
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "FairKd.Benchmarks");
                if (File.Exists(Path.Combine(dir.FullName, "FairKd.sln")) && Directory.Exists(candidate)) return candidate;
            }

            throw new InvalidOperationException("FairKd.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
