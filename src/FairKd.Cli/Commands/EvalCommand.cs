using Cocona;
using FairKd.Cli.Help;
using FairKd.Core;
using FairKd.Data.Imaging;
using FairKd.Stages.Eval;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd eval`: verification accuracy (InsightFace protocol) on RFW groups, LFW-style and CPLFW/CALFW-style pair lists and .bin packs.</summary>
internal sealed class EvalCommand
{
    [Command("eval", Description =
        "Evaluate a model (or cached embeddings) with the InsightFace protocol: L2-normalise(f(x) + f(flip x)), squared L2, thresholds 0..3.99, " +
        "10 contiguous folds; TAR@FAR 1e-3/1e-4, AUC; per set the genuine/impostor pairs and identities with an identity-bootstrap 95% interval of the accuracy; " +
        "on RFW the per-group accuracies, average, STD and SER with intervals, and FMR/FNMR per group at one global threshold per --fmr target. " +
        "Writes eval.json and scores.csv (every scored pair).\n" +
        "  example: fairkd eval --model iresnet34 --weights runs/r34/backbone.pth --rfw /data/RFW --lfw lfw=/data/lfw/pairs.txt:/data/lfw/images --bin cfp_fp=/data/cfp_fp.bin --out runs/r34/eval")]
    public Task<int> Eval(
        [Option("model", Description = "model SPEC: registry name[:width=,input=,emb=] (with --weights)")] string? model = null,
        [Option("weights", Description = "model weights (.pth/.pt zip, safetensors, TorchSharp .dat)")] string? weights = null,
        [Option("onnx", Description = "an ONNX model instead of --model/--weights")] string? onnx = null,
        [Option("cache", Description = "an embedding cache made by `fairkd embed` over the evaluation images, instead of a model")] string? cache = null,
        [Option("rfw", Description = "RFW root (test/data/<Race>/..., test/txts/<Race>/<Race>_pairs.txt and _lmk.txt)")] string? rfw = null,
        [Option("lfw", Description = "NAME=PAIRS_FILE:IMAGE_ROOT with an LFW pairs.txt; repeatable")] string[]? lfw = null,
        [Option("pairs", Description = "NAME=PAIRS_FILE:IMAGE_ROOT with a CPLFW/CALFW-style list (path label per line); repeatable")] string[]? pairs = null,
        [Option("landmarks", Description = "NAME=FILE: landmarks for the images of pair set NAME; repeatable")] string[]? landmarks = null,
        [Option("bin", Description = "NAME=FILE: an InsightFace .bin pack (lfw.bin, cfp_fp.bin, agedb_30.bin, ...); repeatable")] string[]? bin = null,
        [Option("out", Description = "output folder (eval.json)"), RequiredOption] string? @out = null,
        [Option("batch-size", Description = "batch size")] int batchSize = 32,
        [Option("workers", Description = "decode+align workers (default: cores)")] int? workers = null,
        [Option("threads", Description = "intra-op threads of the model, TorchSharp or ONNX Runtime (default: the runtime's own, about one per core; 1 per run when an ONNX model runs concurrently)")] int? threads = null,
        [Option("onnx-runs", Description = "runs at once of an --onnx model with a fixed batch size (often 1), identical outputs for any value; a dynamic-batch model runs each batch in one call (default: cores)")] int? onnxRuns = null,
        [Option("onnx-inter-threads", Description = "ONNX Runtime inter-op threads: above 1, independent graph nodes run in parallel")] int onnxInterThreads = 1,
        [Option("device", Description = "cpu, cuda or cuda:N")] string device = "cpu",
        [Option("unaligned", Description = "images without landmarks that are not 112x112: reject or center-crop")] string unaligned = "reject",
        [Option("bootstrap", Description = "identity-bootstrap resamples for the 95% intervals (0: no intervals)")] int bootstrap = 1000,
        [Option("seed", Description = "seed of the identity bootstrap")] long seed = 1,
        [Option("fmr", Description = "FMR targets of the RFW operating points (one global threshold each), comma-separated")] string fmr = "1e-3,1e-4",
        [Option("run", Description = "a `fairkd train` run folder: evaluate its checkpoints (the model spec from its model.json) into OUT/checkpoints/NAME/ and the curve OUT/curve.{csv,md}")] string? run = null,
        [Option("checkpoints", Description = "with --run: all (every checkpoint the run kept; train with --keep-checkpoints 0 to keep every epoch's) or NAME,NAME of checkpoint folders")] string checkpoints = "all",
        [Option("select", Description = "with --run, also write OUT/eval.json of one checkpoint: last, best-val (the run's --val-split validation), or test-rfw-average (the study's rule: the best RFW average, i.e. selection on the test set; eval.json and the report flag it)")] string? select = null,
        [Option("verbose", Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        StageCall.RunAsync(verbose, () => new EvalOptions
            {
                OutDir = @out, Model = model, Weights = weights, Onnx = onnx, Cache = cache, Rfw = rfw, Lfw = lfw ?? [], Pairs = pairs ?? [],
                LandmarkFiles = landmarks ?? [], Bin = bin ?? [], BatchSize = batchSize, Workers = workers ?? MachineDefaults.Workers, Threads = threads,
                OnnxRuns = onnxRuns, OnnxInterThreads = onnxInterThreads, Device = device, Unaligned = ImagingInputs.ParseUnaligned(unaligned),
                Bootstrap = bootstrap, Seed = seed, Fmr = fmr, Run = run, Checkpoints = checkpoints, Select = select,
            }, RunAsync, context?.CancellationToken ?? CancellationToken.None);

    private static async Task<int> RunAsync(EvalOptions options, CancellationToken ct)
    {
        await EvalStage.RunAsync(options, ConsoleReporter.Instance, ct);
        return ExitCodes.Success;
    }
}
