using System.Globalization;
using FairKd.Core;
using FairKd.Core.Pipeline;

namespace FairKd.Stages.Train;

/// <summary>
/// Options of the train stage (<see cref="TrainStage"/>: a backbone with a margin loss on a manifest or dataset folders,
/// optionally distilling from cached teacher embeddings), every flag of `fairkd train` raw as the command line gives it
/// (NAME=PATH entries and lists stay strings) with the command's defaults, so the command, a pipeline step and a library
/// caller build the same record. <see cref="TrainStage.Prepare"/> parses and checks them.
/// </summary>
public sealed record TrainOptions : IStageOptions
{
    /// <summary>--out: the run folder (backbone.pth, model.json, checkpoints/, train.jsonl, ...). Required.</summary>
    public string? OutDir { get; init; }

    /// <summary>--manifest: release folder (samples.csv, identities.csv); give it or <see cref="Datasets"/>, not both.</summary>
    public string? Manifest { get; init; }

    /// <summary>--data-root NAME=PATH: the folder of dataset NAME of the manifest, one entry per dataset.</summary>
    public IReadOnlyList<string> DataRoots { get; init; } = [];

    /// <summary>--dataset NAME=PATH[:layout]: train on dataset folders instead of a manifest.</summary>
    public IReadOnlyList<string> Datasets { get; init; } = [];

    /// <summary>--landmarks NAME=FILE: 5-point landmarks for dataset NAME (a --dataset name or a manifest dataset).</summary>
    public IReadOnlyList<string> LandmarkFiles { get; init; } = [];

    /// <summary>--unaligned: reject or center-crop for images without landmarks that are not 112x112; null: the cache's policy
    /// with --cache, reject without.</summary>
    public string? Unaligned { get; init; }

    /// <summary>--model: backbone SPEC, registry name[:width=,input=,emb=,dropout=]. Required.</summary>
    public string? Model { get; init; }

    /// <summary>--loss: adaface, adaface-study, arcface, cosface, elasticarcface, elasticarcface-plus, softmax, or none (KD
    /// only, with --cache); null: adaface, or softmax with <see cref="Target"/> group.</summary>
    public string? Loss { get; init; }

    /// <summary>--loss-weight NAME=MARGIN,KD: weights of the margin-loss and KD terms for the images of dataset NAME.</summary>
    public IReadOnlyList<string> LossWeights { get; init; } = [];

    /// <summary>--target: identity (face recognition) or group (the 4-way ethnicity classifier).</summary>
    public string Target { get; init; } = "identity";

    /// <summary>--cache: teacher embedding caches; any turns KD on.</summary>
    public IReadOnlyList<string> Caches { get; init; } = [];

    /// <summary>--kd: the KD term, mse (the study's) or cosine.</summary>
    public string Kd { get; init; } = "mse";

    /// <summary>--kd-lambda: the KD weight; null: the study's (<see cref="StudyDefaults.KdLambdasText"/>).</summary>
    public double? KdLambda { get; init; }

    /// <summary>--kd-weights W1,W2,...: the caches are several teachers, weighted, as given (raw text); null: the caches are
    /// shards of one teacher.</summary>
    public string? KdWeights { get; init; }

    /// <summary>--epochs.</summary>
    public int Epochs { get; init; } = StudyDefaults.Epochs;

    /// <summary>--batch-size; the learning rate scales by batch/512.</summary>
    public int BatchSize { get; init; } = StudyDefaults.BatchSize;

    /// <summary>--lr: base learning rate before batch scaling.</summary>
    public double Lr { get; init; } = StudyDefaults.BaseLr;

    /// <summary>--milestones: epochs where the lr is multiplied by 0.1, comma-separated (raw text).</summary>
    public string Milestones { get; init; } = StudyDefaults.MilestonesText;

    /// <summary>--no-flip: no random horizontal flip.</summary>
    public bool NoFlip { get; init; }

    /// <summary>--seed of initialisation, shuffling and flips.</summary>
    public int Seed { get; init; }

    /// <summary>--workers: decode workers (default: the number of cores).</summary>
    public int Workers { get; init; } = MachineDefaults.Workers;

    /// <summary>--threads: TorchSharp intra-op threads; null: the runtime's own.</summary>
    public int? Threads { get; init; }

    /// <summary>--device: cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>--resume: continue from the newest checkpoint in <see cref="OutDir"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>--max-steps: stop after this many steps; null: train every epoch.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>--log-every: a JSONL/TensorBoard record every N steps.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>--keep-checkpoints: keep the newest N checkpoints; 0 keeps all.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>--init-weights: initialise the backbone from these weights (fine-tuning); null: random.</summary>
    public string? InitWeights { get; init; }

    /// <summary>--val-split P: hold out this share of the training identities and validate every epoch's checkpoint on their
    /// pairs; null: no validation.</summary>
    public double? ValSplit { get; init; }

    /// <summary>--select: which weights become backbone.pth, last or best-val.</summary>
    public string Select { get; init; } = "last";

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var ci = CultureInfo.InvariantCulture;
        var a = new List<string> { "train" };
        if (Manifest is not null) a.AddRange(["--manifest", Manifest]);
        foreach (var r in DataRoots) a.AddRange(["--data-root", r]);
        foreach (var d in Datasets) a.AddRange(["--dataset", d]);
        foreach (var l in LandmarkFiles) a.AddRange(["--landmarks", l]);
        if (Unaligned is not null) a.AddRange(["--unaligned", Unaligned]);
        if (Model is not null) a.AddRange(["--model", Model]);
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (Loss is not null) a.AddRange(["--loss", Loss]);
        foreach (var w in LossWeights) a.AddRange(["--loss-weight", w]);
        if (Target != "identity") a.AddRange(["--target", Target]);
        foreach (var c in Caches) a.AddRange(["--cache", c]);
        if (Kd != "mse") a.AddRange(["--kd", Kd]);
        if (KdLambda is { } lambda) a.AddRange(["--kd-lambda", lambda.ToString("R", ci)]);
        if (KdWeights is not null) a.AddRange(["--kd-weights", KdWeights]);
        if (Epochs != StudyDefaults.Epochs) a.AddRange(["--epochs", Epochs.ToString(ci)]);
        if (BatchSize != StudyDefaults.BatchSize) a.AddRange(["--batch-size", BatchSize.ToString(ci)]);
        if (!Lr.Equals(StudyDefaults.BaseLr)) a.AddRange(["--lr", Lr.ToString("R", ci)]);
        if (Milestones != StudyDefaults.MilestonesText) a.AddRange(["--milestones", Milestones]);
        if (NoFlip) a.Add("--no-flip");
        if (Seed != 0) a.AddRange(["--seed", Seed.ToString(ci)]);
        if (Workers != MachineDefaults.Workers) a.AddRange(["--workers", Workers.ToString(ci)]);
        if (Threads is { } threads) a.AddRange(["--threads", threads.ToString(ci)]);
        if (Device != "cpu") a.AddRange(["--device", Device]);
        if (Resume) a.Add("--resume");
        if (MaxSteps is { } maxSteps) a.AddRange(["--max-steps", maxSteps.ToString(ci)]);
        if (LogEvery != 50) a.AddRange(["--log-every", LogEvery.ToString(ci)]);
        if (KeepCheckpoints != 3) a.AddRange(["--keep-checkpoints", KeepCheckpoints.ToString(ci)]);
        if (InitWeights is not null) a.AddRange(["--init-weights", InitWeights]);
        if (ValSplit is { } split) a.AddRange(["--val-split", split.ToString("R", ci)]);
        if (Select != "last") a.AddRange(["--select", Select]);
        return a;
    }
}
