namespace FairKd.Tests.Shared;

/// <summary>Paths inside the repository, found from the test binary's folder (no copying of golden files).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FairKd.sln"))) return dir.FullName;
        throw new InvalidOperationException("FairKd.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the folder holding FairKd.sln).</summary>
    public static string Root => RootLazy.Value;

    /// <summary>A file under tests/golden/.</summary>
    public static string Golden(string relative) => Path.Combine(Root, "tests", "golden", relative);

    /// <summary>The Debian Python used for reference computations.</summary>
    public const string Python = "/usr/bin/python3";
}

/// <summary>A fresh temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fairkd-{prefix ?? "t"}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
