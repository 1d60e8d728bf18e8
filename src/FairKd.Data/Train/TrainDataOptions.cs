using FairKd.Data.Imaging;
using FairKd.Data.Readers;

namespace FairKd.Data.Train;

/// <summary>Settings of the training data pipeline (manifest -> shuffle -> decode -> flip -> cache lookup -> batches).</summary>
public sealed record TrainDataOptions
{
    /// <summary>Images per batch (default 128, the study's). Batch k of an epoch holds permutation positions [kB, (k+1)B);
    /// the last partial batch is dropped (the study's drop_last).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Epochs to produce (default 26).</summary>
    public int Epochs { get; init; } = Core.StudyDefaults.Epochs;

    /// <summary>Seed of the per-epoch shuffle and of the flips (default 0). Epoch e uses its own generator, so a run
    /// resumed at (epoch, step) sees exactly the batches the uninterrupted run saw.</summary>
    public int Seed { get; init; }

    /// <summary>Random horizontal flip with probability 0.5 (default true); a flipped image gets the cached flipped target.</summary>
    public bool Flip { get; init; } = true;

    /// <summary>Output size and the policy for images without landmarks (default <see cref="ImagingOptions.Default"/>): the
    /// same options ingest and embed take, so a training image becomes exactly the face embed cached the target of.</summary>
    public ImagingOptions Imaging { get; init; } = ImagingOptions.Default;

    /// <summary>Landmark tables by dataset name (default none), looked up by the sample's path relative to its dataset
    /// root, as in ingest and embed.</summary>
    public IReadOnlyDictionary<string, LandmarkTable> Landmarks { get; init; } = new Dictionary<string, LandmarkTable>();

    /// <summary>Parallel decode workers (default: cores).</summary>
    public int Workers { get; init; } = Core.MachineDefaults.Workers;

    /// <summary>Batches prepared ahead of the trainer (default 4).</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>First epoch to produce (resume; default 0).</summary>
    public int StartEpoch { get; init; }

    /// <summary>First step of <see cref="StartEpoch"/> to produce (resume; default 0).</summary>
    public int StartStep { get; init; }

    /// <summary>Stop after this many batches in all (benchmarks and smoke runs; default: no limit).</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Steps per epoch for <paramref name="samples"/> images.</summary>
    public int StepsPerEpoch(int samples) => samples / BatchSize;

    /// <summary>Throws <see cref="Core.UsageException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new Core.UsageException("--batch-size must be at least 1");
        if (Epochs < 1) throw new Core.UsageException("--epochs must be at least 1");
        if (Workers < 1) throw new Core.UsageException("--workers must be at least 1");
        if (Prefetch < 1) throw new Core.UsageException("prefetch must be at least 1");
        if (MaxSteps is < 1) throw new Core.UsageException("--max-steps must be at least 1");
        Imaging.Validate();
    }
}
