using System.Globalization;
using FairKd.Core.Pipeline;
using FairKd.Data.Imaging;

namespace FairKd.Stages.Embed;

/// <summary>
/// Options of the embed stage (<see cref="EmbedStage"/>: every image decoded and aligned as ingest does, the teacher run
/// once over it and its mirror, the embeddings, norms and ethnicity probabilities cached in Parquet shards). Every flag of
/// `fairkd embed`, raw as the command line gives it (NAME=PATH entries stay strings), with the command's defaults, so the
/// command, a pipeline step and a library caller build the same record.
/// </summary>
public sealed record EmbedOptions : IStageOptions
{
    /// <summary>Default rows per shard: a shard is the unit of resume, so it should take minutes, not hours, to compute
    /// (16,384 rows = ~15 s of IResNet-100 on a GPU, ~1 h on 2 CPU cores; the library default 65,536 suits fast teachers).</summary>
    public const int DefaultShardRows = 16_384;

    /// <summary>--out: the cache folder (created; resumed when it holds a partial cache). Required by <see cref="EmbedStage"/>.</summary>
    public string? OutDir { get; init; }

    /// <summary>--dataset: image folders, NAME=PATH[:layout] (layout group/identity/image, identity/image (default) or flat).</summary>
    public IReadOnlyList<string> Datasets { get; init; } = [];

    /// <summary>--rec: MXNet RecordIO packs, NAME=PATH (train.rec with train.idx beside it, or their folder).</summary>
    public IReadOnlyList<string> Recs { get; init; } = [];

    /// <summary>--paths: path lists, NAME=LIST (one image path per line, absolute or relative to the list's folder).</summary>
    public IReadOnlyList<string> PathLists { get; init; } = [];

    /// <summary>--landmarks: 5-point landmark files, NAME=FILE, NAME a dataset above.</summary>
    public IReadOnlyList<string> LandmarkFiles { get; init; } = [];

    /// <summary>--unaligned: images without landmarks that are not 112x112 are rejected (default) or center-cropped.</summary>
    public UnalignedPolicy Unaligned { get; init; } = UnalignedPolicy.Reject;

    /// <summary>--samples: the output folder of `fairkd ingest` (samples.parquet and samples.json, sample index version 2):
    /// embed exactly its accepted samples, with the imaging options and landmark files ingest recorded, each image checked
    /// against the SHA-256 ingest accepted. Instead of <see cref="Datasets"/>, <see cref="Recs"/>, <see cref="PathLists"/>,
    /// <see cref="LandmarkFiles"/> and <see cref="Unaligned"/>.</summary>
    public string? Samples { get; init; }

    /// <summary>--workers: parallel decode+align workers. Default: the number of cores.</summary>
    public int Workers { get; init; } = Core.MachineDefaults.Workers;

    /// <summary>--teacher: the teacher's model SPEC (registry name[:width=,input=,emb=]), with <see cref="Weights"/>.</summary>
    public string? Teacher { get; init; }

    /// <summary>--weights: the teacher's weights (.pth/.pt zip, safetensors, TorchSharp .dat).</summary>
    public string? Weights { get; init; }

    /// <summary>--onnx: an ONNX teacher instead of <see cref="Teacher"/> and <see cref="Weights"/>.</summary>
    public string? Onnx { get; init; }

    /// <summary>--ethnicity-model: the SPEC of a 4-way ethnicity classifier's backbone, with <see cref="EthnicityWeights"/>.</summary>
    public string? EthnicityModel { get; init; }

    /// <summary>--ethnicity-weights: that classifier's weights (as `fairkd train --target group` writes classifier.pth).</summary>
    public string? EthnicityWeights { get; init; }

    /// <summary>--ethnicity-onnx: an ONNX ethnicity classifier (4 outputs).</summary>
    public string? EthnicityOnnx { get; init; }

    /// <summary>--ethnicity-file: the study's predictions file (p_Caucasian,p_Asian,p_Indian,p_African,_,path per line).</summary>
    public string? EthnicityFile { get; init; }

    /// <summary>--ethnicity-from-folders: one-hot labels from the group folder of a group/identity/image layout.</summary>
    public bool EthnicityFromFolders { get; init; }

    /// <summary>--no-ethnicity: store no soft labels (zeros), for caches of evaluation images (manifests refuse them).</summary>
    public bool NoEthnicity { get; init; }

    /// <summary>--ethnicity-order: the group of each classifier output, comma-separated (null: African,Asian,Caucasian,Indian).</summary>
    public string? EthnicityOrder { get; init; }

    /// <summary>--batch-size: teacher batch size. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>--threads: intra-op threads of the teacher, TorchSharp or ONNX Runtime (null: the runtime's own).</summary>
    public int? Threads { get; init; }

    /// <summary>--onnx-runs: runs at once of an <see cref="Onnx"/> teacher with a fixed batch size (null: cores).</summary>
    public int? OnnxRuns { get; init; }

    /// <summary>--onnx-inter-threads: ONNX Runtime inter-op threads of the ONNX models. Default 1.</summary>
    public int OnnxInterThreads { get; init; } = 1;

    /// <summary>--device: cpu, cuda or cuda:N. Default cpu.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>--fp16: half-precision inference (CUDA only).</summary>
    public bool Fp16 { get; init; }

    /// <summary>--shard-rows: rows per Parquet shard, the unit of resume. Default <see cref="DefaultShardRows"/>.</summary>
    public int ShardRows { get; init; } = DefaultShardRows;

    /// <summary>--fp16-storage: store embeddings as float16 blobs (half the size).</summary>
    public bool Fp16Storage { get; init; }

    /// <summary>--shard-index: this partition's index K of <see cref="ShardCount"/> (null: SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX).</summary>
    public int? ShardIndex { get; init; }

    /// <summary>--shard-count: number of partitions N (null: SLURM_ARRAY_TASK_COUNT, else one).</summary>
    public int? ShardCount { get; init; }

    /// <summary>--force: replace a cache made with other settings.</summary>
    public bool Force { get; init; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string> { "embed" };
        foreach (var d in Datasets) a.AddRange(["--dataset", d]);
        foreach (var r in Recs) a.AddRange(["--rec", r]);
        foreach (var p in PathLists) a.AddRange(["--paths", p]);
        foreach (var l in LandmarkFiles) a.AddRange(["--landmarks", l]);
        if (Unaligned != UnalignedPolicy.Reject) a.AddRange(["--unaligned", PreprocessingRecord.UnalignedName(Unaligned)]);
        if (Samples is not null) a.AddRange(["--samples", Samples]);
        if (Workers != Core.MachineDefaults.Workers) a.AddRange(["--workers", Text(Workers)]);
        if (Teacher is not null) a.AddRange(["--teacher", Teacher]);
        if (Weights is not null) a.AddRange(["--weights", Weights]);
        if (Onnx is not null) a.AddRange(["--onnx", Onnx]);
        if (EthnicityModel is not null) a.AddRange(["--ethnicity-model", EthnicityModel]);
        if (EthnicityWeights is not null) a.AddRange(["--ethnicity-weights", EthnicityWeights]);
        if (EthnicityOnnx is not null) a.AddRange(["--ethnicity-onnx", EthnicityOnnx]);
        if (EthnicityFile is not null) a.AddRange(["--ethnicity-file", EthnicityFile]);
        if (EthnicityFromFolders) a.Add("--ethnicity-from-folders");
        if (NoEthnicity) a.Add("--no-ethnicity");
        if (EthnicityOrder is not null) a.AddRange(["--ethnicity-order", EthnicityOrder]);
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (BatchSize != 32) a.AddRange(["--batch-size", Text(BatchSize)]);
        if (Threads is { } threads) a.AddRange(["--threads", Text(threads)]);
        if (OnnxRuns is { } runs) a.AddRange(["--onnx-runs", Text(runs)]);
        if (OnnxInterThreads != 1) a.AddRange(["--onnx-inter-threads", Text(OnnxInterThreads)]);
        if (Device != "cpu") a.AddRange(["--device", Device]);
        if (Fp16) a.Add("--fp16");
        if (ShardRows != DefaultShardRows) a.AddRange(["--shard-rows", Text(ShardRows)]);
        if (Fp16Storage) a.Add("--fp16-storage");
        if (ShardIndex is { } index) a.AddRange(["--shard-index", Text(index)]);
        if (ShardCount is { } count) a.AddRange(["--shard-count", Text(count)]);
        if (Force) a.Add("--force");
        return a;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
