using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Interop;

/// <summary>
/// The tensor-memory policy (src/FairKd.Torch/Interop/TensorMemory.cs) changes where tensors live, never what is computed:
/// the same seeded training with the policy on (default) and off (<c>FAIRKD_MALLOC=system</c>) writes the same weights and
/// the same losses; `fairkd doctor` says which policy is in force.
/// </summary>
public sealed class TensorMemoryCliTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private static readonly Dictionary<string, string> SystemMalloc = new() { ["FAIRKD_MALLOC"] = "system" };

    private string[] Train(string run) =>
    [
        Path.Combine(AppContext.BaseDirectory, "fairkd.dll"), "train", "--dataset", fx.Real, "--model", "iresnet18:width=0.0625,emb=32",
        "--loss", "arcface", "--epochs", "2", "--batch-size", "8", "--seed", "5", "--log-every", "1", "--out", run,
    ];

    [Fact]
    public void Training_with_and_without_the_policy_writes_the_same_weights_and_losses()
    {
        var policy = fx.Dir.Combine("tm-policy");
        var system = fx.Dir.Combine("tm-system");
        var a = ProcessRunner.Run("dotnet", Train(policy), TimeSpan.FromMinutes(5));
        Assert.True(a.ExitCode == 0, a.ToString());
        var b = ProcessRunner.Run("dotnet", Train(system), TimeSpan.FromMinutes(5), environment: SystemMalloc);
        Assert.True(b.ExitCode == 0, b.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(policy, "backbone.pth")), File.ReadAllBytes(Path.Combine(system, "backbone.pth")));
        static IEnumerable<string> Losses(string run) =>
            File.ReadLines(Path.Combine(run, "train.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("loss").GetRawText());
        Assert.Equal(Losses(policy), Losses(system));
    }

    [Fact]
    public void Doctor_says_which_policy_is_in_force()
    {
        string[] doctor = [Path.Combine(AppContext.BaseDirectory, "fairkd.dll"), "doctor", "--model", "iresnet18:width=0.0625,input=32,emb=16", "--batch-size", "8", "--no-force-gc"];
        var on = ProcessRunner.Run("dotnet", doctor, TimeSpan.FromMinutes(3));
        Assert.True(on.ExitCode == 0, on.ToString());
        Assert.Contains("tensor memory: huge pages for tensors of 2 MB or more", on.StdOut, StringComparison.Ordinal);
        var off = ProcessRunner.Run("dotnet", doctor, TimeSpan.FromMinutes(3), environment: SystemMalloc);
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Contains("tensor memory: LibTorch's allocation defaults (FAIRKD_MALLOC=system", off.StdOut, StringComparison.Ordinal);
    }
}
