using System.Text.RegularExpressions;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests;

/// <summary>src/README.md (the source on one page) names only paths that exist, and names every stage's command file.</summary>
public sealed partial class SourceMapTests
{
    [GeneratedRegex(@"`((?:src|tests|data-manifests|pipelines)/[^`*\s]+)`")]
    private static partial Regex RepoPath();

    private static string Text => File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "README.md"));

    [Fact]
    public void Every_path_it_names_exists()
    {
        var paths = RepoPath().Matches(Text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(paths.Count >= 30, $"only {paths.Count} paths found: is the pattern still matching?");
        var missing = paths.Where(p => !File.Exists(Path.Combine(RepoPaths.Root, p)) && !Directory.Exists(Path.Combine(RepoPaths.Root, p))).ToList();
        Assert.True(missing.Count == 0, "src/README.md names paths that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_command_file_is_on_the_page()
    {
        var commands = Directory.GetFiles(Path.Combine(RepoPaths.Root, "src", "FairKd.Cli", "Commands"), "*Command*.cs")
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .Where(f => !f.EndsWith("CommandRegistry.cs", StringComparison.Ordinal));
        Assert.NotEmpty(commands);
        foreach (var c in commands) Assert.Contains($"`{c}`", Text, StringComparison.Ordinal);
    }
}
