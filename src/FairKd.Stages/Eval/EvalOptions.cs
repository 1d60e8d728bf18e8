using System.Globalization;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Data.Imaging;

namespace FairKd.Stages.Eval;

/// <summary>
/// Options of the eval stage (<see cref="EvalStage"/>): verification accuracy with the InsightFace protocol on RFW groups,
/// LFW-style and CPLFW/CALFW-style pair lists and .bin packs, from exactly one source of embeddings (a model and its weights,
/// an ONNX model, an embedding cache, or a training run's checkpoints). Every value is as `fairkd eval` takes it (NAME=PATH
/// entries stay strings, <see cref="Fmr"/> is the comma-separated list), with the command's defaults, so the command, a
/// pipeline step and a library caller build the same record.
/// </summary>
public sealed record EvalOptions : IStageOptions
{
    /// <summary>The default of <see cref="Fmr"/>.</summary>
    public const string DefaultFmr = "1e-3,1e-4";

    /// <summary>The default of <see cref="Checkpoints"/>: every checkpoint the run kept.</summary>
    public const string AllCheckpoints = "all";

    /// <summary>Output folder: eval.json and scores.csv (with <see cref="Run"/>: checkpoints/NAME/, curve.csv and curve.md).
    /// Required by <see cref="EvalStage"/>.</summary>
    public string? OutDir { get; init; }

    /// <summary>Model SPEC, registry name[:width=,input=,emb=], with <see cref="Weights"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Model weights (.pth/.pt zip, safetensors, TorchSharp .dat), with <see cref="Model"/>.</summary>
    public string? Weights { get; init; }

    /// <summary>An ONNX model instead of <see cref="Model"/>/<see cref="Weights"/>.</summary>
    public string? Onnx { get; init; }

    /// <summary>An embedding cache made by `fairkd embed` over the evaluation images, instead of a model.</summary>
    public string? Cache { get; init; }

    /// <summary>RFW root (test/data/&lt;Race&gt;/..., test/txts/&lt;Race&gt;/&lt;Race&gt;_pairs.txt and _lmk.txt).</summary>
    public string? Rfw { get; init; }

    /// <summary>LFW pair sets, NAME=PAIRS_FILE:IMAGE_ROOT with an LFW pairs.txt.</summary>
    public IReadOnlyList<string> Lfw { get; init; } = [];

    /// <summary>CPLFW/CALFW-style pair sets, NAME=PAIRS_FILE:IMAGE_ROOT (path label per line).</summary>
    public IReadOnlyList<string> Pairs { get; init; } = [];

    /// <summary>Landmark files, NAME=FILE, NAME a set of <see cref="Lfw"/> or <see cref="Pairs"/>.</summary>
    public IReadOnlyList<string> LandmarkFiles { get; init; } = [];

    /// <summary>InsightFace .bin packs, NAME=FILE (lfw.bin, cfp_fp.bin, agedb_30.bin, ...).</summary>
    public IReadOnlyList<string> Bin { get; init; } = [];

    /// <summary>Images per model call. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Parallel decode+align workers. Default: the number of cores.</summary>
    public int Workers { get; init; } = MachineDefaults.Workers;

    /// <summary>Intra-op threads of the model, TorchSharp or ONNX Runtime (null: the runtime's own; 1 per run when an ONNX
    /// model runs concurrently).</summary>
    public int? Threads { get; init; }

    /// <summary>Runs at once of an <see cref="Onnx"/> model with a fixed batch size (null: one per core).</summary>
    public int? OnnxRuns { get; init; }

    /// <summary>ONNX Runtime inter-op threads: above 1, independent graph nodes run in parallel. Default 1.</summary>
    public int OnnxInterThreads { get; init; } = 1;

    /// <summary>cpu, cuda or cuda:N. Default cpu.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Images without landmarks that are not 112x112: reject (default) or center-crop.</summary>
    public UnalignedPolicy Unaligned { get; init; } = UnalignedPolicy.Reject;

    /// <summary>Identity-bootstrap resamples for the 95% intervals (0: no intervals). Default 1,000.</summary>
    public int Bootstrap { get; init; } = 1000;

    /// <summary>Seed of the identity bootstrap (non-negative). Default 1.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>FMR targets of the RFW operating points (one global threshold each), comma-separated. Default 1e-3,1e-4.</summary>
    public string Fmr { get; init; } = DefaultFmr;

    /// <summary>A `fairkd train` run folder: evaluate its checkpoints (the model spec from its model.json) into
    /// OUT/checkpoints/NAME/ and draw the curve OUT/curve.{csv,md}; instead of a model, ONNX model or cache.</summary>
    public string? Run { get; init; }

    /// <summary>With <see cref="Run"/>: all (default) or NAME,NAME of checkpoint folders.</summary>
    public string Checkpoints { get; init; } = AllCheckpoints;

    /// <summary>With <see cref="Run"/>, also write OUT/eval.json of one checkpoint: last, best-val or test-rfw-average (null: none).</summary>
    public string? Select { get; init; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        var a = new List<string> { "eval" };
        if (Model is not null) a.AddRange(["--model", Model]);
        if (Weights is not null) a.AddRange(["--weights", Weights]);
        if (Onnx is not null) a.AddRange(["--onnx", Onnx]);
        if (Cache is not null) a.AddRange(["--cache", Cache]);
        if (Run is not null) a.AddRange(["--run", Run]);
        if (Rfw is not null) a.AddRange(["--rfw", Rfw]);
        foreach (var s in Lfw) a.AddRange(["--lfw", s]);
        foreach (var s in Pairs) a.AddRange(["--pairs", s]);
        foreach (var s in LandmarkFiles) a.AddRange(["--landmarks", s]);
        foreach (var s in Bin) a.AddRange(["--bin", s]);
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (BatchSize != 32) a.AddRange(["--batch-size", N(BatchSize)]);
        if (Workers != MachineDefaults.Workers) a.AddRange(["--workers", N(Workers)]);
        if (Threads is { } threads) a.AddRange(["--threads", N(threads)]);
        if (OnnxRuns is { } runs) a.AddRange(["--onnx-runs", N(runs)]);
        if (OnnxInterThreads != 1) a.AddRange(["--onnx-inter-threads", N(OnnxInterThreads)]);
        if (Device != "cpu") a.AddRange(["--device", Device]);
        if (Unaligned != UnalignedPolicy.Reject) a.AddRange(["--unaligned", PreprocessingRecord.UnalignedName(Unaligned)]);
        if (Bootstrap != 1000) a.AddRange(["--bootstrap", N(Bootstrap)]);
        if (Seed != 1) a.AddRange(["--seed", N(Seed)]);
        if (Fmr != DefaultFmr) a.AddRange(["--fmr", Fmr]);
        if (Checkpoints != AllCheckpoints) a.AddRange(["--checkpoints", Checkpoints]);
        if (Select is not null) a.AddRange(["--select", Select]);
        return a;
    }
}
