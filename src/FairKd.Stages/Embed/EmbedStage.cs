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
/// code. The samples are the images of the inputs (<see cref="EmbedOptions.Datasets"/>, <see cref="EmbedOptions.Recs"/>,
/// <see cref="EmbedOptions.PathLists"/>) or the accepted samples of an ingest run's sample index (<see cref="EmbedOptions.Samples"/>,
/// <see cref="SampleIndexReader"/>). <see cref="PrepareAsync"/> checks the options and reads every input file (landmark files,
/// path lists or the index: the whole sample list) before a model loads, so a mistake is a <see cref="UsageException"/> naming the option before anything is
/// written; <see cref="RunAsync(StageReporter?, CancellationToken)"/> loads the ethnicity source and the teacher and runs.
/// </summary>
public sealed class EmbedStage
{
    private readonly EmbedOptions _options;
    private readonly EmbedInputs _inputs;
    private readonly IReadOnlyList<SampleRef> _samples;
    private readonly ReaderReport _report;
    private readonly ShardPartition _partition;
    private readonly OnnxRunOptions _onnxRun;

    private EmbedStage(EmbedOptions options, EmbedInputs inputs, IReadOnlyList<SampleRef> samples, ReaderReport report, ShardPartition partition, OnnxRunOptions onnxRun)
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
    public static async Task<EmbedStage> PrepareAsync(EmbedOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutDir)) throw new UsageException("--out DIR is required");
        if (options.BatchSize < 1) throw new UsageException("--batch-size must be at least 1");
        if (options.ShardRows < 1) throw new UsageException("--shard-rows must be at least 1");
        if (options.Workers < 1) throw new UsageException("--workers must be at least 1");
        if (options.Fp16 && !options.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)) throw new UsageException("--fp16 needs --device cuda");
        // Every input file is read and checked before a model loads: landmark files, path lists or the sample index (the
        // whole sample list is made here), then (in RunAsync, before the teacher) the ethnicity predictions file.
        var report = new ReaderReport();
        var (inputs, samples) = options.Samples is { } index ? await FromIndexAsync(options, index, report, ct).ConfigureAwait(false) : FromInputs(options, report, ct);
        var partition = ShardPartition.FromOptionsOrEnvironment(options.ShardIndex, options.ShardCount);
        var onnxRun = ModelLoader.OnnxOptions(options.OnnxRuns, options.Threads, options.OnnxInterThreads, options.Onnx, options.EthnicityOnnx);
        if (options.Threads is < 1) throw new UsageException("--threads must be at least 1");
        return new EmbedStage(options, inputs, samples, report, partition, onnxRun);
    }

    private static (EmbedInputs, IReadOnlyList<SampleRef>) FromInputs(EmbedOptions options, ReaderReport report, CancellationToken ct)
    {
        if (options.Datasets.Count + options.Recs.Count + options.PathLists.Count == 0)
            throw new UsageException("give at least one input: --dataset NAME=PATH[:layout], --rec NAME=PATH, --paths NAME=LIST, or --samples DIR (the output of `fairkd ingest`)");
        var inputs = IngestInputs.Parse([.. options.Datasets], [.. options.Recs], [.. options.PathLists], [.. options.LandmarkFiles],
            PreprocessingRecord.UnalignedName(options.Unaligned), report);
        var samples = new List<SampleRef>();
        inputs.ListSamples(report, ct, samples);
        return (new EmbedInputs(inputs.ImagingInputs, inputs.Imaging, inputs.Record), samples);
    }

    /// <summary>The accepted samples of an ingest run's sample index, with the imaging options and landmark files it
    /// recorded (each landmark file must still have the SHA-256 ingest read; each image is checked while embedding).</summary>
    private static async Task<(EmbedInputs, IReadOnlyList<SampleRef>)> FromIndexAsync(EmbedOptions options, string folder, ReaderReport report, CancellationToken ct)
    {
        if (options.Datasets.Count + options.Recs.Count + options.PathLists.Count + options.LandmarkFiles.Count > 0 || options.Unaligned != UnalignedPolicy.Reject)
            throw new UsageException("--samples DIR takes the inputs, landmarks and imaging options ingest recorded: drop --dataset, --rec, --paths, --landmarks and --unaligned");
        var index = await SampleIndexReader.OpenAsync(folder, "--samples", ct).ConfigureAwait(false);
        var where = $"--samples {folder}";
        var recorded = index.Manifest.Imaging;
        if (recorded.Landmarks is null) throw new UsageException($"{where}: the sample index does not record its landmark files; run `fairkd ingest` again");
        var imaging = recorded.ToImagingOptions(where);
        foreach (var l in recorded.Landmarks)
        {
            if (!File.Exists(l.File))
                throw new UsageException($"{where}: the landmark file of dataset '{l.Dataset}' that ingest read, {l.File}, is missing; restore it or run `fairkd ingest` again");
            var sha = Core.IO.FileHash.Sha256(l.File);
            if (sha != l.Sha256)
                throw new UsageException($"{where}: the landmark file of dataset '{l.Dataset}', {l.File}, changed since ingest (SHA-256 {sha}, the index has {l.Sha256}); " +
                    "run `fairkd ingest` again");
        }

        var imagingInputs = ImagingInputs.Parse([.. recorded.Landmarks.Select(l => $"{l.Dataset}={l.File}")], recorded.Unaligned,
            [.. index.Manifest.Datasets.Select(d => d.Name)], report);
        if (imagingInputs.Record(imaging).Canonical() != recorded.Canonical())
            throw new UsageException($"{where}: the sample index's preprocessing ({recorded.CanonicalLine()}) is not what this FairKd does with it " +
                $"({imagingInputs.Record(imaging).CanonicalLine()}); run `fairkd ingest` again");
        var indexed = await index.ReadAsync(ct).ConfigureAwait(false);
        if (indexed.Count == 0) throw new UsageException($"{where}: the sample index holds no samples (ingest accepted none)");
        var expected = new Dictionary<string, string>(indexed.Count, StringComparer.Ordinal);
        foreach (var s in indexed) expected[s.Sample.Key] = s.Sha256;
        return (new EmbedInputs(imagingInputs, imaging, index.Record, expected), [.. indexed.Select(s => s.Sample)]);
    }

    /// <summary><see cref="PrepareAsync"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    /// <param name="options">The stage's options.</param>
    /// <param name="reporter">Where lines, warnings and progress go (null: nowhere).</param>
    /// <param name="ct">Stops the run; the shards committed so far stay, and a rerun resumes after them.</param>
    public static async Task<EmbedResult> RunAsync(EmbedOptions options, StageReporter? reporter, CancellationToken ct) =>
        await (await PrepareAsync(options, ct).ConfigureAwait(false)).RunAsync(reporter, ct).ConfigureAwait(false);

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
