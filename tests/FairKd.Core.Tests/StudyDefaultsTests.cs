using System.Text.RegularExpressions;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests;

/// <summary>The study's settings are written once (<see cref="StudyDefaults"/>): no other source file spells them out in code.</summary>
public sealed partial class StudyDefaultsTests
{
    /// <summary>Code (not comments) that restates one of the study's settings instead of naming <see cref="StudyDefaults"/>.</summary>
    [GeneratedRegex(@"\b8,\s*14,\s*20,\s*25\b|\b10000(\.0)?\b|\b39\.0625\b|\b5e-4\b|(Epochs|epochs)[^=\n]*=\s*26\b|\b0\.333\b")]
    private static partial Regex Restated();

    internal static IEnumerable<string> Offending(string path, IEnumerable<string> lines) =>
        lines.Select((l, i) => (Line: l, No: i + 1))
            .Where(x => !x.Line.TrimStart().StartsWith("//", StringComparison.Ordinal) && Restated().IsMatch(x.Line.Split("//")[0]))
            .Select(x => $"{path}:{x.No}: {x.Line.Trim()}");

    [Fact]
    public void No_source_file_restates_the_study_settings()
    {
        var src = Path.Combine(RepoPaths.Root, "src");
        var found = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains("FairKd.Benchmarks", StringComparison.Ordinal)
                && Path.GetFileName(f) != "StudyDefaults.cs")
            .SelectMany(f => Offending(Path.GetRelativePath(RepoPaths.Root, f), File.ReadLines(f)))
            .ToList();
        Assert.True(found.Count == 0, "use StudyDefaults instead of restating the study's settings:\n" + string.Join("\n", found));
    }

    [Fact]
    public void The_scan_finds_a_restated_setting_in_code_but_not_in_comments()
    {
        Assert.Single(Offending("x.cs", ["    public IReadOnlyList<int> Milestones { get; init; } = [8, 14, 20, 25];"]));
        Assert.Single(Offending("x.cs", ["    public int Epochs { get; init; } = 26;"]));
        Assert.Single(Offending("x.cs", ["    var lambda = 10000.0; // the study's"]));
        Assert.Empty(Offending("x.cs", ["    /// <summary>Default 8, 14, 20, 25 and 10000.</summary>", "    // lambda 10000", "    var x = 100000;"]));
    }

    [Fact]
    public void The_texts_say_the_values()
    {
        Assert.Equal(StudyDefaults.MilestonesText, string.Join(',', StudyDefaults.Milestones));
        Assert.Equal(StudyDefaults.KdLambdasText, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{StudyDefaults.KdMseLambda} for mse, {StudyDefaults.KdCosineLambda} for cosine"));
        Assert.Equal(StudyDefaults.KdMseLambda * 2 / StudyDefaults.EmbeddingSize, StudyDefaults.KdCosineLambda);
    }
}
