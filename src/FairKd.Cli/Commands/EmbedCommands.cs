using Cocona;
using FairKd.Cli.Help;
using FairKd.Stages.Embed;
using FairKd.Core;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd embed` (run the teacher once over every image into a Parquet cache) and `fairkd embed merge`.</summary>
internal sealed class EmbedCommands
{
    [PrimaryCommand]
    [Command("embed", Description =
        "Run the teacher once over every image (decode + align as ingest does) and cache, per image, the L2-normalised embedding of the image " +
        "and of its mirror, both raw norms and 4 ethnicity probabilities, in Parquet shards with an index (_cache.json). A rerun resumes; " +
        "a changed teacher or preprocessing is refused unless --force. Shard the work with --shard-index/--shard-count (or Slurm/K8s variables), then `fairkd embed merge`.\n" +
        "  example: fairkd embed --dataset bupt=/data/BUPT:group/identity/image --teacher iresnet100 --weights r100.pth --ethnicity-from-folders --out caches/bupt")]
    public Task<int> Embed(
        [Option("dataset", Description = "NAME=PATH[:layout], layout group/identity/image or identity/image (default: identity/image); repeatable")] string[]? dataset = null,
        [Option("rec", Description = "NAME=PATH of an MXNet train.rec; repeatable")] string[]? rec = null,
        [Option("paths", Description = "NAME=LIST: one image path per line; repeatable")] string[]? paths = null,
        [Option("landmarks", Description = "NAME=FILE: 5-point landmarks for dataset NAME; repeatable")] string[]? landmarks = null,
        [Option("unaligned", Description = "images without landmarks that are not 112x112: reject or center-crop")] string unaligned = "reject",
        [Option("samples", Description = "an ingest output folder (samples.parquet, samples.json): embed exactly its accepted samples with the imaging options and landmarks ingest recorded, each image checked against its SHA-256; instead of --dataset/--rec/--paths/--landmarks/--unaligned")] string? samples = null,
        [Option("workers", Description = "decode+align workers (default: cores)")] int? workers = null,
        [Option("teacher", Description = "teacher model SPEC: registry name[:width=,input=,emb=] (with --weights)")] string? teacher = null,
        [Option("weights", Description = "teacher weights (.pth/.pt zip, safetensors, TorchSharp .dat)")] string? weights = null,
        [Option("onnx", Description = "an ONNX teacher instead of --teacher/--weights")] string? onnx = null,
        [Option("ethnicity-model", Description = "ethnicity classifier SPEC (backbone of the 4-way classifier, with --ethnicity-weights)")] string? ethnicityModel = null,
        [Option("ethnicity-weights", Description = "ethnicity classifier weights (as `fairkd train --target group` writes classifier.pth)")] string? ethnicityWeights = null,
        [Option("ethnicity-onnx", Description = "an ONNX ethnicity classifier (4 outputs)")] string? ethnicityOnnx = null,
        [Option("ethnicity-file", Description = "the study's predictions file: p_Caucasian,p_Asian,p_Indian,p_African,_,path per line")] string? ethnicityFile = null,
        [Option("ethnicity-from-folders", Description = "one-hot labels from the group folder of a group/identity/image layout")] bool ethnicityFromFolders = false,
        [Option("no-ethnicity", Description = "store no soft labels (zeros): for caches of evaluation images, which manifests refuse")] bool noEthnicity = false,
        [Option("ethnicity-order", Description = "group of each classifier output, comma-separated (default: African,Asian,Caucasian,Indian)")] string? ethnicityOrder = null,
        [Option("out", Description = "cache folder (created; resumed when it holds a partial cache)"), RequiredOption] string? @out = null,
        [Option("batch-size", Description = "teacher batch size")] int batchSize = 32,
        [Option("threads", Description = "intra-op threads of the teacher, TorchSharp or ONNX Runtime (default: the runtime's own, about one per core; 1 per run when an ONNX model runs concurrently)")] int? threads = null,
        [Option("onnx-runs", Description = "runs at once of an --onnx teacher with a fixed batch size (often 1), identical outputs for any value; a dynamic-batch model runs each batch in one call (default: cores)")] int? onnxRuns = null,
        [Option("onnx-inter-threads", Description = "ONNX Runtime inter-op threads (--onnx, --ethnicity-onnx): above 1, independent graph nodes run in parallel")] int onnxInterThreads = 1,
        [Option("device", Description = "cpu, cuda or cuda:N")] string device = "cpu",
        [Option("fp16", Description = "half-precision inference (CUDA only)")] bool fp16 = false,
        [Option("shard-rows", Description = "rows per Parquet shard, the unit of resume")] int shardRows = EmbedOptions.DefaultShardRows,
        [Option("fp16-storage", Description = "store embeddings as float16 blobs (half the size; other readers see bytes)")] bool fp16Storage = false,
        [Option("shard-index", Description = "this partition's index K of --shard-count N (default: SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX)")] int? shardIndex = null,
        [Option("shard-count", Description = "number of partitions N (default: SLURM_ARRAY_TASK_COUNT)")] int? shardCount = null,
        [Option("force", Description = "replace a cache made with other settings")] bool force = false,
        [Option("verbose", Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        StageCall.RunAsync(verbose, () => new EmbedOptions
            {
                OutDir = @out, Datasets = dataset ?? [], Recs = rec ?? [], PathLists = paths ?? [], LandmarkFiles = landmarks ?? [],
                Unaligned = ImagingInputs.ParseUnaligned(unaligned), Samples = samples, Workers = workers ?? MachineDefaults.Workers,
                Teacher = teacher, Weights = weights, Onnx = onnx,
                EthnicityModel = ethnicityModel, EthnicityWeights = ethnicityWeights, EthnicityOnnx = ethnicityOnnx, EthnicityFile = ethnicityFile,
                EthnicityFromFolders = ethnicityFromFolders, NoEthnicity = noEthnicity, EthnicityOrder = ethnicityOrder,
                BatchSize = batchSize, Threads = threads, OnnxRuns = onnxRuns, OnnxInterThreads = onnxInterThreads, Device = device, Fp16 = fp16,
                ShardRows = shardRows, Fp16Storage = fp16Storage, ShardIndex = shardIndex, ShardCount = shardCount, Force = force,
            }, RunAsync, context?.CancellationToken ?? CancellationToken.None);

    private static async Task<int> RunAsync(EmbedOptions options, CancellationToken ct)
    {
        await EmbedStage.RunAsync(options, ConsoleReporter.Instance, ct);
        return ExitCodes.Success;
    }

    [Command("merge", Description = "Join the partial caches of a sharded `fairkd embed` (all partitions 0..N-1, complete) into one cache.\n" +
        "  example: fairkd embed merge /scratch/cache-part-0 /scratch/cache-part-1 --out caches/bupt")]
    public Task<int> Merge(
        [Argument(Description = "partition folders, any order")] string[] parts,
        [Option("out", Description = "merged cache folder"), RequiredOption] string? @out = null,
        [Option("move", Description = "move shard files instead of copying them")] bool move = false,
        [Option("force", Description = "replace an existing cache in --out")] bool force = false,
        [Option("verbose", Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        CommandGuard.RunAsync(verbose, async ct =>
        {
            if (string.IsNullOrWhiteSpace(@out)) throw new UsageException("--out DIR is required");
            var index = await EmbeddingCacheMerger.MergeAsync(parts, @out, move, force, ct);
            Console.WriteLine($"merged {parts.Length} partitions -> {@out}: {index.RowCount} rows in {index.Shards.Count} shards, {index.RejectCount} rejects");
            return ExitCodes.Success;
        }, context?.CancellationToken ?? CancellationToken.None);
}
