using System.Text.Json;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Interop;

/// <summary>
/// `fairkd train` end to end under the forced-GC startup hook (tests/FairKd.GcStress: GC + finalizers every millisecond in
/// the whole process, decode workers included): three stressed runs give the same final loss, bit for bit, as an
/// unstressed one. Before the Scalar fix the same command failed with garbage c10::Scalar errors or NaN.
/// </summary>
public class GcStressCliTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private static string HookAssembly()
    {
        // tests/FairKd.Cli.Tests/bin/<Config>/net10.0/linux-x64/ -> tests/FairKd.GcStress/bin/<Config>/net10.0/linux-x64/
        var rel = Path.GetRelativePath(Path.Combine(RepoPaths.Root, "tests", "FairKd.Cli.Tests"), AppContext.BaseDirectory);
        var path = Path.Combine(RepoPaths.Root, "tests", "FairKd.GcStress", rel, "FairKd.GcStress.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (make build) before the tests");
        return path;
    }

    private (double Loss, long Steps) Train(string run, Dictionary<string, string>? env)
    {
        string[] args = [Path.Combine(AppContext.BaseDirectory, "fairkd.dll"), "train", "--dataset", fx.Real, "--model", "iresnet18:width=0.0625,emb=32",
            "--loss", "adaface-study", "--epochs", "2", "--batch-size", "16", "--lr", "0.4", "--milestones", "6", "--seed", "1", "--workers", "2", "--out", run];
        var r = ProcessRunner.Run("dotnet", args, TimeSpan.FromMinutes(5), environment: env);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "train-summary.json")));
        var root = doc.RootElement;
        return (root.GetProperty("lastLoss").GetDouble(), root.GetProperty("steps").GetInt64());
    }

    [Fact]
    public void Train_under_forced_gc_gives_the_unstressed_loss_three_times()
    {
        var plain = Train(fx.Dir.Combine("gc-plain"), null);
        Assert.True(double.IsFinite(plain.Loss) && plain.Steps > 0, $"{plain}");
        var hook = new Dictionary<string, string> { ["DOTNET_STARTUP_HOOKS"] = HookAssembly(), ["FAIRKD_GC_STRESS_MS"] = "1" };
        for (var i = 0; i < 3; i++)
            Assert.Equal(plain, Train(fx.Dir.Combine($"gc-stressed-{i}"), hook));
    }
}
