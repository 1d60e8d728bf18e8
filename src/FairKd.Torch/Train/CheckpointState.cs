using MessagePack;

namespace FairKd.Torch.Train;

/// <summary>
/// The non-tensor trainer state of a checkpoint (<c>trainer.msgpack</c>, MessagePack with integer keys).
/// The next batch to train is (<see cref="NextEpoch"/>, <see cref="NextStep"/>); batches before it are skipped on resume.
/// </summary>
[MessagePackObject]
public sealed class CheckpointState
{
    /// <summary>The schema version this code writes.</summary>
    public const int CurrentSchema = 1;

    /// <summary>Schema version of the file.</summary>
    [Key(0)] public int SchemaVersion { get; set; } = CurrentSchema;

    /// <summary>Epoch of the next batch to train (the epoch of the last trained batch).</summary>
    [Key(1)] public int NextEpoch { get; set; }

    /// <summary>Step within <see cref="NextEpoch"/> of the next batch (last trained step + 1).</summary>
    [Key(2)] public int NextStep { get; set; }

    /// <summary>Optimiser steps taken so far.</summary>
    [Key(3)] public long GlobalStep { get; set; }

    /// <summary>Images trained on so far.</summary>
    [Key(4)] public long ImagesSeen { get; set; }

    /// <summary>The run's seed.</summary>
    [Key(5)] public long Seed { get; set; }

    /// <summary>torch's global CPU generator state (torch.random.get_rng_state bytes).</summary>
    [Key(6)] public byte[] TorchRngState { get; set; } = [];

    /// <summary>The header's .NET random state (ElasticArcFace margins), or null.</summary>
    [Key(7)] public ulong? HeaderRngState { get; set; }

    /// <summary>Scheduler: the epoch whose factor is applied.</summary>
    [Key(8)] public int SchedulerEpoch { get; set; }

    /// <summary>Scheduler: the initial lr of each parameter group.</summary>
    [Key(9)] public double[] SchedulerBaseLrs { get; set; } = [];

    /// <summary>Scheduler: the milestones.</summary>
    [Key(10)] public int[] Milestones { get; set; } = [];

    /// <summary>The header's module name (ArcFace, ElasticArcFace, AdaFace, ...), checked on resume.</summary>
    [Key(11)] public string HeaderName { get; set; } = "";

    /// <summary>Number of backbone parameters (elements), checked on resume.</summary>
    [Key(12)] public long BackboneParameterCount { get; set; }

    /// <summary>Format of optimizer.pth: "pytorch" (PyBridge save_py).</summary>
    [Key(13)] public string OptimizerFormat { get; set; } = "pytorch";

    /// <summary>When the checkpoint was written (UTC, ISO 8601).</summary>
    [Key(14)] public string SavedUtc { get; set; } = "";
}
