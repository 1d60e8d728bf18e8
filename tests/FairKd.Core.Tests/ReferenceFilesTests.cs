using FairKd.Tests.Shared;

namespace FairKd.Core.Tests;

/// <summary>The tests' reference files come from the repository itself; a missing one fails loudly instead of skipping.</summary>
public sealed class ReferenceFilesTests
{
    [Fact]
    public void Paper_results_are_committed_inside_the_repository()
    {
        var path = ReferenceFiles.PaperResults;
        Assert.StartsWith(RepoPaths.Root + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
        Assert.Contains("How Knowledge Distillation Mitigates the Synthetic Gap in Fair", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_reference_file_is_an_error_naming_it()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => ReferenceFiles.Require(Path.Combine("reference", "no-such-table.md")));
        Assert.Contains("reference/no-such-table.md is missing from the repository", ex.Message, StringComparison.Ordinal);
        Assert.Contains("git checkout -- reference/no-such-table.md", ex.Message, StringComparison.Ordinal);
    }
}
