using FairKd.Tests.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace FairKd.Cli.Tests.Interop;

/// <summary>
/// The guard that keeps TorchSharp's hidden temporaries out of FairKd (src/FairKd.Torch/Interop/README.md): the compiled IL of
/// every FairKd assembly that uses TorchSharp is read, and any implicit Scalar conversion, any call to a TorchSharp method
/// that makes an unowned Scalar (directly or through what it calls), and any construction of a TorchSharp module or
/// optimizer whose forward/step does, fails the test with file:line and method.
/// </summary>
public class HiddenTemporaryGuardTests
{
    private static readonly Lazy<HiddenTemporaryScanner> Scanner = new(() => new HiddenTemporaryScanner(typeof(torch).Assembly.Location));

    private static string BenchmarksAssembly()
    {
        // tests/FairKd.Cli.Tests/bin/<Config>/net10.0/linux-x64/ -> src/FairKd.Benchmarks/bin/<Config>/net10.0/linux-x64/
        var rel = Path.GetRelativePath(Path.Combine(RepoPaths.Root, "tests", "FairKd.Cli.Tests"), AppContext.BaseDirectory);
        var path = Path.Combine(RepoPaths.Root, "src", "FairKd.Benchmarks", rel, "FairKd.Benchmarks.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (make build) before the tests");
        return path;
    }

    private static readonly string[] Scanned = ["FairKd.Torch", "FairKd.Stages", "FairKd.Cli", "FairKd.Benchmarks"];

    public static TheoryData<string> Assemblies() => [.. Scanned];

    [Fact]
    public void Every_FairKd_assembly_that_uses_TorchSharp_is_scanned()
    {
        // A new project that calls TorchSharp (as FairKd.Stages did when the stages left the CLI) must join the list above.
        var users = Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
            .Where(f => Path.GetFileName(f) is var n && (n == "fairkd.dll" || (n.StartsWith("FairKd.", StringComparison.Ordinal) && !n.EndsWith(".Tests.dll", StringComparison.Ordinal))))
            .Select(System.Reflection.AssemblyName.GetAssemblyName)
            .Where(n => System.Reflection.Assembly.Load(n).GetReferencedAssemblies().Any(r => r.Name == "TorchSharp"))
            .Select(n => n.Name == "fairkd" ? "FairKd.Cli" : n.Name!)
            .ToList();
        Assert.Contains("FairKd.Stages", users);
        Assert.All(users, u => Assert.Contains(u, Scanned));
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void No_FairKd_assembly_hands_LibTorch_a_hidden_temporary(string assembly)
    {
        var path = assembly switch
        {
            "FairKd.Torch" => typeof(FairKd.Torch.Models.IResNet).Assembly.Location,
            "FairKd.Stages" => typeof(FairKd.Stages.Train.TrainStage).Assembly.Location,
            "FairKd.Cli" => Path.Combine(AppContext.BaseDirectory, "fairkd.dll"),
            _ => BenchmarksAssembly(),
        };
        var findings = Scanner.Value.Scan(path);
        Assert.True(findings.Count == 0, $"{findings.Count} hidden TorchSharp temporaries in {assembly}:\n" + string.Join("\n", findings.Select(f => f.ToString()).Distinct()));
    }

    [Fact]
    public void The_scanner_knows_the_published_culprits()
    {
        var s = Scanner.Value;
        // BatchNorm.forward runs num_batches_tracked.add_(1); SGD.step passes alpha: weight_decay, mul_(momentum), alpha: -lr.
        Assert.Contains("TorchSharp.Modules.BatchNorm2d", s.TaintedTypes);
        Assert.Contains("TorchSharp.Modules.BatchNorm1d", s.TaintedTypes);
        Assert.Contains("TorchSharp.Modules.SGD", s.TaintedTypes);
        Assert.Contains(s.TaintedMethods, m => m.StartsWith("TorchSharp.torch/Tensor::add_(TorchSharp.torch/Tensor)", StringComparison.Ordinal));
        Assert.Contains(s.TaintedMethods, m => m.StartsWith("TorchSharp.torch/Tensor::op_Addition(TorchSharp.torch/Tensor,TorchSharp.torch/Tensor)", StringComparison.Ordinal));
        // the owned overloads are clean
        Assert.DoesNotContain(s.TaintedMethods, m => m.StartsWith("TorchSharp.torch/Tensor::add_(TorchSharp.torch/Tensor,TorchSharp.Scalar)", StringComparison.Ordinal));
        Assert.DoesNotContain(s.TaintedMethods, m => m.StartsWith("TorchSharp.torch/Tensor::mul(TorchSharp.torch/Tensor)", StringComparison.Ordinal));
    }

    [Fact]
    public void The_scanner_finds_each_kind_of_violation_in_compiled_code()
    {
        var findings = Scanner.Value.Scan(typeof(HiddenTemporaryGuardTests).Assembly.Location)
            .Where(f => f.Method.Contains(nameof(Violations), StringComparison.Ordinal)).ToList();
        Assert.Contains(findings, f => f.Method.Contains(nameof(Violations.Implicit), StringComparison.Ordinal) && f.Reason.Contains("implicit", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Method.Contains(nameof(Violations.HiddenAlpha), StringComparison.Ordinal) && f.Callee.Contains("::add_(", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Method.Contains(nameof(Violations.Operator), StringComparison.Ordinal) && f.Callee.Contains("op_Addition", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Method.Contains(nameof(Violations.Module), StringComparison.Ordinal) && f.Reason.Contains("BatchNorm2d", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Method.Contains(nameof(Violations.Owned), StringComparison.Ordinal));
        Assert.All(findings, f => Assert.Contains("HiddenTemporaryGuardTests.cs:", f.Source ?? "", StringComparison.Ordinal));
    }

    /// <summary>Compiled examples of each violation (never run; the scanner reads their IL).</summary>
    internal static class Violations
    {
        private static readonly Scalar One = 1.ToScalar();

        public static Tensor Implicit(Tensor t) => t.mul(2.0);

        public static Tensor HiddenAlpha(Tensor t, Tensor u) => t.add_(u);

        public static Tensor Operator(Tensor t, Tensor u) => t + u;

        public static object Module() => nn.BatchNorm2d(4);

        public static Tensor Owned(Tensor t, Tensor u) => t.add_(u, One);
    }
}
