using Cocona;
using FairKd.Cli.Help;
using FairKd.Stages.Train;
using FairKd.Core;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd train`: teachers, from-scratch students, cached-target KD students and the ethnicity classifier.</summary>
internal sealed class TrainCommand
{
    [Command("train", Description =
        "Train a backbone with a margin loss on a manifest (or dataset folders), optionally distilling from cached teacher embeddings " +
        "(--cache: lambda * MSE(teacher, normalise(student)), the flipped target when the image is flipped). Images are decoded and aligned as embed does " +
        "(--landmarks, --unaligned); with --cache, as the cache records, and a contradicting option is refused. Checkpoints every epoch and on Ctrl+C; " +
        "--resume continues; writes backbone.pth (PyTorch state_dict), model.json, train.jsonl, tensorboard/ and train-summary.json. " +
        "--target group trains the 4-way ethnicity classifier (softmax) and also writes classifier.pth. " +
        "Unlabelled faces (--dataset NAME=PATH:flat) train by KD alone; --loss none drops the margin loss for every image.\n" +
        "  example: fairkd train --manifest data-manifests/mix --data-root bupt=/data/BUPT --data-root dcface=/data/DCFace --model iresnet34 --loss adaface --cache caches/r100 --out runs/r34-mix-kd")]
    public Task<int> Train(
        [Option("manifest", Description = "release folder (samples.csv, identities.csv)")] string? manifest = null,
        [Option("data-root", Description = "NAME=PATH: folder of dataset NAME of the manifest; repeatable")] string[]? dataRoot = null,
        [Option("dataset", Description = "NAME=PATH[:layout]: train on a dataset folder instead of a manifest; repeatable")] string[]? dataset = null,
        [Option("landmarks", Description = "NAME=FILE: 5-point landmarks for dataset NAME (a --dataset name or a manifest dataset), matched by the path relative to its root as in ingest/embed; repeatable")] string[]? landmarks = null,
        [Option("unaligned", Description = "images without landmarks that are not 112x112: reject (default) or center-crop; with --cache, the cache's policy unless given")] string? unaligned = null,
        [Option("model", Description = "backbone SPEC: registry name[:width=,input=,emb=,dropout=]"), RequiredOption] string? model = null,
        [Option("out", Description = "run folder"), RequiredOption] string? @out = null,
        [Option("loss", Description = "adaface, adaface-study, arcface, cosface, elasticarcface, elasticarcface-plus, softmax, or none: KD only, no identity labels needed, with --cache (default: adaface; softmax with --target group)")] string? loss = null,
        [Option("loss-weight", Description = "NAME=MARGIN,KD: weights of the margin-loss and KD terms for the images of dataset NAME; repeatable (default: 1,1, or 0,1 for an unlabelled flat dataset)")] string[]? lossWeight = null,
        [Option("target", Description = "identity (face recognition) or group (4-way ethnicity classifier)")] string target = "identity",
        [Option("cache", Description = "teacher embedding cache: turns KD on; repeatable (a key is looked up in each)")] string[]? cache = null,
        [Option("kd", Description = "KD term: mse (the study's) or cosine")] string kd = "mse",
        [Option("kd-lambda", Description = "KD weight (default: the study's " + StudyDefaults.KdLambdasText + ")")] double? kdLambda = null,
        [Option("kd-weights", Description = "W1,W2,...: the --cache folders are several teachers of the same images, weighted (scaled to sum 1); the KD target is the weighted mean of their normalised embeddings (default: the caches are shards of one teacher)")] string? kdWeights = null,
        [Option("epochs", Description = "epochs")] int epochs = StudyDefaults.Epochs,
        [Option("batch-size", Description = "batch size; lr scales by batch/512")] int batchSize = StudyDefaults.BatchSize,
        [Option("lr", Description = "base learning rate before batch scaling")] double lr = StudyDefaults.BaseLr,
        [Option("milestones", Description = "epochs where lr x0.1, comma-separated")] string milestones = StudyDefaults.MilestonesText,
        [Option("no-flip", Description = "no random horizontal flip")] bool noFlip = false,
        [Option("seed", Description = "seed of initialisation, shuffling, flips")] int seed = 0,
        [Option("workers", Description = "decode workers (default: cores)")] int? workers = null,
        [Option("threads", Description = "TorchSharp intra-op threads (default: the runtime's own, about one per core)")] int? threads = null,
        [Option("device", Description = "cpu, cuda or cuda:N")] string device = "cpu",
        [Option("resume", Description = "continue from the newest checkpoint in --out")] bool resume = false,
        [Option("max-steps", Description = "stop after this many steps (smoke runs, benchmarks)")] long? maxSteps = null,
        [Option("log-every", Description = "JSONL/TensorBoard record every N steps")] int logEvery = 50,
        [Option("keep-checkpoints", Description = "keep the newest N checkpoints; 0 keeps all")] int keepCheckpoints = 3,
        [Option("init-weights", Description = "initialise the backbone from these weights (fine-tuning)")] string? initWeights = null,
        [Option("val-split", Description = "P: hold out this share of the training identities (per group, seeded by --seed) and validate every epoch's checkpoint on their pairs (validation/, train.jsonl kind val)")] double? valSplit = null,
        [Option("select", Description = "which weights become backbone.pth: last, or best-val (the epoch with the best --val-split accuracy); recorded in model.json")] string select = "last",
        [Option("verbose", Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        StageCall.RunAsync(verbose, () => new TrainOptions
            {
                OutDir = @out, Manifest = manifest, DataRoots = dataRoot ?? [], Datasets = dataset ?? [], LandmarkFiles = landmarks ?? [],
                Unaligned = unaligned, Model = model, Loss = loss, LossWeights = lossWeight ?? [], Target = target, Caches = cache ?? [],
                Kd = kd, KdLambda = kdLambda, KdWeights = kdWeights, Epochs = epochs, BatchSize = batchSize, Lr = lr, Milestones = milestones,
                NoFlip = noFlip, Seed = seed, Workers = workers ?? MachineDefaults.Workers, Threads = threads, Device = device, Resume = resume,
                MaxSteps = maxSteps, LogEvery = logEvery, KeepCheckpoints = keepCheckpoints, InitWeights = initWeights, ValSplit = valSplit,
                Select = select,
            }, async (options, ct) =>
            {
                await TrainStage.RunAsync(options, ConsoleReporter.Instance, ct);
                return ExitCodes.Success;
            }, context?.CancellationToken ?? CancellationToken.None);
}
