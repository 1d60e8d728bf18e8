using System.Text.Json;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Stages.Train;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>The in-process training of <see cref="SameCallTrainTests"/> seeds torch's global generator: it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "xUnit collection definitions are named *Collection by convention")]
public sealed class SerialTrainStageCollection
{
    public const string Name = "serial-train-stage";
}

/// <summary>
/// `fairkd train` and <see cref="TrainStage"/> are the same call: a <see cref="TrainOptions"/> record's <c>ToArgs()</c> parses
/// back (through the real command, in process, the stage not run) to an equal record, a command line gives the record a
/// library caller would build, and the stage called directly writes the same weights as the command.
/// </summary>
[Collection(SerialTrainStageCollection.Name)]
public sealed class SameCallTrainTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    /// <summary>Every property set to a value other than its default (doubles that only "R" formatting round-trips).</summary>
    private static readonly TrainOptions Full = new()
    {
        OutDir = "runs/out dir", Manifest = "data-manifests/mix", DataRoots = ["bupt=/data/BUPT", "dcface=/data/DC Face"],
        Datasets = ["a=/x:group/identity/image", "u=/y:flat"], LandmarkFiles = ["a=/a.txt", "u=/u.txt"], Unaligned = "center-crop",
        Model = "mobilefacenet:width=0.25", Loss = "cosface", LossWeights = ["a=1,0.5", "u=0,1"], Target = "group", Caches = ["caches/r100", "caches/r50"],
        Kd = "cosine", KdLambda = 1.0 / 3, KdWeights = "0.75,0.25", Epochs = 3, BatchSize = 16, Lr = 0.1 + 0.2, Milestones = "2,3", NoFlip = true,
        Seed = 7, Workers = MachineDefaults.Workers + 1, Threads = 1, Device = "cuda:1", Resume = true, MaxSteps = 5_000_000_000, LogEvery = 1,
        KeepCheckpoints = 0, InitWeights = "w.pth", ValSplit = 0.15000000000000002, Select = "best-val",
    };

    [Fact]
    public void The_full_record_sets_every_property_to_a_non_default()
    {
        var defaults = new TrainOptions();
        foreach (var p in typeof(TrainOptions).GetProperties())
            Assert.True(JsonSerializer.Serialize(p.GetValue(Full)) != JsonSerializer.Serialize(p.GetValue(defaults)), $"{p.Name} is at its default in the full record");
    }

    [Fact]
    public async Task Train_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new TrainOptions { OutDir = "o", Model = "iresnet18", Datasets = ["real=/data/real"] });
        await SameCall.AssertRoundTripAsync(Full);

        var parsed = await SameCall.ParseAsync([
            "train", "--manifest", "rel", "--data-root", "bupt=/d/bupt", "--data-root", "syn=/d/syn", "--model", "iresnet34", "--cache", "c1",
            "--kd-lambda", "39.0625", "--lr", "1e-9", "--milestones", "12", "--epochs", "15", "--no-flip", "--workers", "3", "--val-split", "0.1",
            "--select", "best-val", "--out", "o",
        ]);
        var library = new TrainOptions
        {
            OutDir = "o", Manifest = "rel", DataRoots = ["bupt=/d/bupt", "syn=/d/syn"], Model = "iresnet34", Caches = ["c1"], KdLambda = 39.0625,
            Lr = 1e-9, Milestones = "12", Epochs = 15, NoFlip = true, Workers = 3, ValSplit = 0.1, Select = "best-val",
        };
        Assert.Equal(SameCall.Json(library), SameCall.Json(parsed));
    }

    [Fact]
    public async Task The_stage_called_directly_writes_the_weights_the_command_writes()
    {
        var options = new TrainOptions
        {
            Datasets = [fx.Real], Model = EmbedFixture.Spec, Loss = "cosface", Epochs = 1, BatchSize = 16, Lr = 0.5, Seed = 3, Workers = 2, Threads = 1,
            LogEvery = 1, OutDir = fx.Dir.Combine("sc-library"),
        };
        var result = await TrainStage.RunAsync(options, StageReporter.Silent, CancellationToken.None);
        Assert.Equal((3L, 48L, false, options.OutDir), (result.Steps, result.Images, result.AlreadyComplete, result.RunFolder));
        Assert.NotNull(result.SelectedCheckpoint);
        Assert.True(result.LastLoss is > 0, $"{result}");

        var command = options with { OutDir = fx.Dir.Combine("sc-command") };
        var r = ProcessRunner.Fairkd([.. command.ToArgs()]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(options.OutDir, "backbone.pth")), File.ReadAllBytes(Path.Combine(command.OutDir, "backbone.pth")));
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(command.OutDir, "train-summary.json"))))
        {
            Assert.Equal(result.Steps, summary.RootElement.GetProperty("steps").GetInt64());
            Assert.Equal((float)result.LastLoss!.Value, summary.RootElement.GetProperty("lastLoss").GetSingle());
        }

        // a second call finds the run complete and reports the session that completed it
        var again = await TrainStage.RunAsync(options, StageReporter.Silent, CancellationToken.None);
        Assert.Equal(result with { AlreadyComplete = true }, again);
    }
}
