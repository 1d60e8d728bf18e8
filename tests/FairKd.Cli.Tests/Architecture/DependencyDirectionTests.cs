using System.Reflection;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// Dependencies point inward (README "Layout", src/README.md): Cli -> Stages -> Data, Torch -> Core; Data and Torch never
/// reference each other or Stages (the one place where they meet); Stages knows no command line; Core references no package; the tensor runtimes stay in Torch and the image/Parquet libraries in Data.
/// Read from the compiled assemblies' references, so a new project or package reference that breaks the rule fails here.
/// </summary>
public sealed class DependencyDirectionTests
{
    /// <summary>The FairKd assemblies each may reference.</summary>
    public static TheoryData<string, string[]> Allowed => new()
    {
        { "FairKd.Core", [] },
        { "FairKd.Data", ["FairKd.Core"] },
        { "FairKd.Torch", ["FairKd.Core"] },
        { "FairKd.Stages", ["FairKd.Core", "FairKd.Data", "FairKd.Torch"] },
        { "fairkd", ["FairKd.Core", "FairKd.Data", "FairKd.Torch", "FairKd.Stages"] },
    };

    /// <summary>Packages that belong to one side only.</summary>
    public static TheoryData<string, string[]> Forbidden => new()
    {
        { "FairKd.Core", ["TorchSharp", "Microsoft.ML.OnnxRuntime", "Parquet", "SixLabors.ImageSharp", "Cocona", "MessagePack"] },
        { "FairKd.Data", ["TorchSharp", "Microsoft.ML.OnnxRuntime", "Cocona"] },
        { "FairKd.Torch", ["Parquet", "SixLabors.ImageSharp", "Cocona"] },
        { "FairKd.Stages", ["Cocona", "Spectre.Console"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void FairKd_references_point_inward(string assembly, string[] allowed)
    {
        var violations = Violations(References(assembly), allowed);
        Assert.True(violations.Count == 0, $"{assembly} references {string.Join(", ", violations)}; it may reference only {(allowed.Length == 0 ? "no FairKd assembly" : string.Join(", ", allowed))}");
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Runtime_and_format_packages_stay_on_their_side(string assembly, string[] forbidden)
    {
        var found = References(assembly).Where(r => forbidden.Any(f => r == f || r.StartsWith(f + ".", StringComparison.Ordinal))).ToList();
        Assert.True(found.Count == 0, $"{assembly} references {string.Join(", ", found)}");
    }

    [Fact]
    public void Core_references_only_the_framework()
    {
        var packages = References("FairKd.Core").Where(r => !(r is "netstandard" or "mscorlib" || r.StartsWith("System", StringComparison.Ordinal) || r.StartsWith("Microsoft.Win32", StringComparison.Ordinal))).ToList();
        Assert.True(packages.Count == 0, $"FairKd.Core references {string.Join(", ", packages)}");
    }

    [Fact]
    public void The_check_finds_a_reference_that_points_the_wrong_way() =>
        Assert.Equal(["FairKd.Torch"], Violations(["FairKd.Core", "FairKd.Torch", "System.Runtime"], ["FairKd.Core"]));

    private static List<string> Violations(IEnumerable<string> references, string[] allowed) =>
        [.. references.Where(r => (r.StartsWith("FairKd.", StringComparison.Ordinal) || r == "fairkd") && !allowed.Contains(r))];

    private static List<string> References(string assembly) =>
        [.. Assembly.Load(new AssemblyName(assembly)).GetReferencedAssemblies().Select(a => a.Name!).Order(StringComparer.Ordinal)];
}
