using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using FairKd.Data.Readers;
using FairKd.Torch.Inference;

namespace FairKd.Stages.Embed;

/// <summary>What an embed run did, and the cache it left.</summary>
/// <param name="Embedded">Images embedded and cached by this run.</param>
/// <param name="Rejected">Samples this run rejected (decode, alignment, ethnicity or a non-finite embedding).</param>
/// <param name="CacheRows">Rows the cache holds now (this run's and earlier runs' of a resumed cache).</param>
/// <param name="CacheRejects">Rejects the cache's rejects.csv holds now.</param>
/// <param name="Shards">Parquet shards the cache holds now.</param>
/// <param name="CacheDir">The cache folder (<see cref="EmbedOptions.OutDir"/>).</param>
public sealed record EmbedResult(long Embedded, long Rejected, long CacheRows, long CacheRejects, int Shards, string CacheDir);

/// <summary>
/// The embed stage: every sample of the inputs decoded and aligned (as ingest does), the teacher run on it and its mirror,
/// the ethnicity source labelling it, into an embedding cache (<see cref="EmbeddingCacheWriter"/>: Parquet shards,
/// _cache.json, rejects.csv) that a rerun resumes. `fairkd embed` is parse -> <see cref="EmbedOptions"/> -> this -> exit
/// code. <see cref="Prepare"/> checks the options and reads every input file (landmark files, path lists: the whole sample
/// list) before a model loads, so a mistake is a <see cref="UsageException"/> naming the option before anything is
/// written; <see cref="RunAsync(StageReporter?, CancellationToken)"/> loads the ethnicity source and the teacher and runs.
/// </summary>
public sealed class EmbedStage
{
    private readonly EmbedOptions _options;
    private readonly IngestInputs _inputs;
    private readonly List<SampleRef> _samples;
    private readonly ReaderReport _report;
    private readonly ShardPartition _partition;
    private readonly OnnxRunOptions _onnxRun;

    private EmbedStage(EmbedOptions options, IngestInputs inputs, List<SampleRef> samples, ReaderReport report, ShardPartition partition, OnnxRunOptions onnxRun)
    {
        _options = options;
        _inputs = inputs;
        _samples = samples;
        _report = report;
        _partition = partition;
        _onnxRun = onnxRun;
    }

    /// <summary>Samples the inputs hold, all partitions (the cache's key list).</summary>
    public long Total => _samples.Count;

    /// <summary>Checks <paramref name="options"/>, reads the input files and lists the samples (no model loads, nothing is
    /// written); throws <see cref="UsageException"/> naming the option to fix. The partition comes from
    /// <see cref="EmbedOptions.ShardIndex"/>/<see cref="EmbedOptions.ShardCount"/> or else from the Slurm/Kubernetes
    /// environment variables.</summary>
    public static EmbedStage Prepare(EmbedOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutDir)) throw new UsageException("--out DIR is required");
        if (options.BatchSize < 1) throw new UsageException("--batch-size must be at least 1");
        if (options.ShardRows < 1) throw new UsageException("--shard-rows must be at least 1");
        if (options.Workers < 1) throw new UsageException("--workers must be at least 1");
        if (options.Fp16 && !options.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)) throw new UsageException("--fp16 needs --device cuda");
        // Every input file is read and checked before a model loads: landmark files, path lists (the whole sample list is
        // made here), then (in RunAsync, before the teacher) the ethnicity predictions file.
        var report = new ReaderReport();
        var inputs = IngestInputs.Parse([.. options.Datasets], [.. options.Recs], [.. options.PathLists], [.. options.LandmarkFiles],
            PreprocessingRecord.UnalignedName(options.Unaligned), report);
        var samples = new List<SampleRef>();
        inputs.ListSamples(report, ct, samples);
        var partition = ShardPartition.FromOptionsOrEnvironment(options.ShardIndex, options.ShardCount);
        var onnxRun = ModelLoader.OnnxOptions(options.OnnxRuns, options.Threads, options.OnnxInterThreads, options.Onnx, options.EthnicityOnnx);
        if (options.Threads is < 1) throw new UsageException("--threads must be at least 1");
        return new EmbedStage(options, inputs, samples, report, partition, onnxRun);
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    /// <param name="options">The stage's options.</param>
    /// <param name="reporter">Where lines, warnings and progress go (null: nowhere).</param>
    /// <param name="ct">Stops the run; the shards committed so far stay, and a rerun resumes after them.</param>
    public static Task<EmbedResult> RunAsync(EmbedOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options, ct).RunAsync(reporter, ct);

    /// <summary>Loads the ethnicity source and the teacher (TorchSharp's threads are set process-wide when
    /// <see cref="EmbedOptions.Threads"/> is given) and runs the stage.</summary>
    /// <param name="reporter">Where lines, warnings and progress go (null: nowhere).</param>
    /// <param name="ct">Stops the run; the shards committed so far stay, and a rerun resumes after them.</param>
    public async Task<EmbedResult> RunAsync(StageReporter? reporter, CancellationToken ct)
    {
        var log = reporter ?? StageReporter.Silent;
        var o = _options;
        ModelLoader.SetThreads(o.Threads);
        using var labels = EthnicitySources.Create(o.EthnicityModel, o.EthnicityWeights, o.EthnicityOnnx, o.EthnicityFile, o.EthnicityFromFolders,
            o.NoEthnicity, o.EthnicityOrder, o.Device, _onnxRun);
        var model = ModelLoader.Load(o.Teacher, o.Weights, o.Onnx, o.Device, o.Fp16, "--teacher", _onnxRun);
        using var embedder = model.Embedder;
        if (model.Execution is not null) log.Info($"embed: {model.Name}: {model.Execution}");
        var settings = new EmbedSettings(o.BatchSize, o.Workers, o.ShardRows,
            o.Fp16Storage ? EmbeddingEncoding.Float16Blob : EmbeddingEncoding.Float32List, _partition, o.Force, o.Threads);
        return await new EmbedRun(_inputs, _samples, _report, settings).RunAsync(o.OutDir!, model, labels, log, ct).ConfigureAwait(false);
    }
}
