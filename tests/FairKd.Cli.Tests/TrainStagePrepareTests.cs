using FairKd.Core;
using FairKd.Stages.Train;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// Bad configuration fails at once: <see cref="TrainStage.Prepare"/> refuses every option mistake before it lists a sample
/// or writes anything, so a library caller gets the command's checks, in the command's words.
/// </summary>
public sealed class TrainStagePrepareTests
{
    public static TheoryData<string, string> Mistakes => new()
    {
        { "loss", "--loss nope: use one of" },
        { "kd-only without cache", "--loss none trains by distillation alone" },
        { "kd", "--kd l1: use mse or cosine" },
        { "select", "--select first: use last or best-val" },
        { "best-val without val-split", "--select best-val picks the epoch with the best validation accuracy" },
        { "val-split with group", "--val-split validates face verification on held-out identities" },
        { "keep-checkpoints", "--keep-checkpoints must be >= 0" },
        { "init-weights", "--init-weights /nonexistent/w.pth: file not found" },
        { "kd-weights with one cache", "--kd-weights weighs several teachers" },
        { "model", "--model" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void An_option_mistake_is_refused_before_any_input_is_read(string mistake, string message)
    {
        using var tmp = new TempDir("train-prepare");
        // The dataset folder does not exist: reading inputs would fail with another message, so the option is checked first.
        var ok = new TrainOptions { OutDir = tmp.Combine("run"), Model = "iresnet18:width=0.0625", Datasets = ["d=" + tmp.Combine("missing")] };
        var options = mistake switch
        {
            "loss" => ok with { Loss = "nope" },
            "kd-only without cache" => ok with { Loss = "none" },
            "kd" => ok with { Kd = "l1", Caches = ["c"] },
            "select" => ok with { Select = "first" },
            "best-val without val-split" => ok with { Select = "best-val" },
            "val-split with group" => ok with { Target = "group", ValSplit = 0.1 },
            "keep-checkpoints" => ok with { KeepCheckpoints = -1 },
            "init-weights" => ok with { InitWeights = "/nonexistent/w.pth" },
            "kd-weights with one cache" => ok with { Caches = ["c"], KdWeights = "1" },
            _ => ok with { Model = "nosuchnet" },
        };
        var e = Assert.Throws<UsageException>(() => TrainStage.Prepare(options, null, CancellationToken.None));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.Combine("run")));
        // the same options without the mistake get as far as the inputs
        var inputs = Assert.ThrowsAny<Exception>(() => TrainStage.Prepare(ok, null, CancellationToken.None));
        Assert.Contains("missing", inputs.Message, StringComparison.Ordinal);
    }
}
