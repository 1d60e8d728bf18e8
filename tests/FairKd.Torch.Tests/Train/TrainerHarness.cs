using FairKd.Tests.Shared;
using FairKd.Torch.Losses;
using FairKd.Torch.Train;
using Trainer = FairKd.Torch.Train.Trainer;

namespace FairKd.Torch.Tests.Train;

/// <summary>Tests that use torch's global generator (dropout, resume) run alone, never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "xUnit collection definitions are named *Collection by convention")]
public sealed class SerialTorchCollection
{
    public const string Name = "serial-torch";
}

/// <summary>A tiny backbone + header + trainer in a temp folder.</summary>
internal sealed class TrainerHarness : IDisposable
{
    public const int Classes = 4, Size = 8, Embedding = 16, Batch = 16;

    public TrainerHarness(string loss = "arcface", long seed = 1, Func<TrainerOptions, TrainerOptions>? configure = null,
        double dropout = 0.1, TempDir? dir = null)
    {
        Dir = dir ?? new TempDir("train");
        OwnsDir = dir is null;
        FairKd.Torch.Train.Trainer.SeedTorch(seed);
        Backbone = new TinyNet(Size, Embedding, seed, dropout);
        Header = loss == KdOnlyHeader.LossName ? new KdOnlyHeader(Embedding) : LossRegistry.Create(loss, Embedding, Classes, new LossOptions(Seed: seed));
        var options = new TrainerOptions { OutputDir = Dir.Path, BatchSize = Batch, Epochs = 4, LogEvery = 5, Seed = seed };
        Trainer = new FairKd.Torch.Train.Trainer(Backbone, Header, configure is null ? options : configure(options));
    }

    public TempDir Dir { get; }
    private bool OwnsDir { get; }
    public TinyNet Backbone { get; }
    public MarginHeader Header { get; }
    public Trainer Trainer { get; }

    public static SyntheticBatches Data(int stepsPerEpoch, long seed = 5) => new(Classes, Size, Batch, stepsPerEpoch, seed);

    public void Dispose()
    {
        Trainer.Dispose();
        Header.Dispose();
        Backbone.Dispose();
        if (OwnsDir) Dir.Dispose();
    }
}
