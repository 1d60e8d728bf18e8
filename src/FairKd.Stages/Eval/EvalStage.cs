using System.Globalization;
using FairKd.Core;
using FairKd.Core.Eval;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Stages.Embed;
using FairKd.Torch.Inference;

namespace FairKd.Stages.Eval;

/// <summary>What an eval run wrote.</summary>
/// <param name="OutDir">The output folder.</param>
/// <param name="Eval">The result written to OUT/eval.json: the model's, the cache's, or with <see cref="EvalOptions.Run"/>
/// and <see cref="EvalOptions.Select"/> the selected checkpoint's; null for a run's checkpoints without a selection.</param>
/// <param name="Checkpoints">Checkpoints of <see cref="EvalOptions.Run"/> in the curve (evaluated now or earlier); 0 without a run.</param>
public sealed record EvalStageResult(string OutDir, EvalResult? Eval, int Checkpoints);

/// <summary>
/// The eval stage: every image of the evaluation sets embedded once (image and mirror) by a model, an ONNX model, or read
/// from an embedding cache, every set scored with the InsightFace protocol (with the identity bootstrap and, on RFW, the
/// fairness block and operating points), written to eval.json and scores.csv (<see cref="EvalRun"/>); or every checkpoint of
/// a training run evaluated into a curve (<see cref="CheckpointEval"/>). `fairkd eval` is parse -> options -> this -> exit
/// code. <see cref="Prepare"/> checks the options and reads every list, landmark file and pack completely before anything
/// is written or a model loads: a mistake is a <see cref="UsageException"/> naming the option.
/// </summary>
public sealed class EvalStage
{
    private readonly EvalOptions _options;
    private readonly CheckpointPlan? _plan;
    private readonly EvalScoring _scoring;
    private readonly OnnxRunOptions _onnxRun;
    private readonly EvalEmbedSettings _embedding;
    private readonly EvalSets _sets;

    private EvalStage(EvalOptions options, CheckpointPlan? plan, EvalScoring scoring, OnnxRunOptions onnxRun, EvalEmbedSettings embedding, EvalSets sets)
    {
        _options = options;
        _plan = plan;
        _scoring = scoring;
        _onnxRun = onnxRun;
        _embedding = embedding;
        _sets = sets;
    }

    /// <summary>Checks <paramref name="options"/>, reads the training run (with <see cref="EvalOptions.Run"/>) and every
    /// evaluation set's files; throws <see cref="UsageException"/> naming the option to fix.</summary>
    public static EvalStage Prepare(EvalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutDir)) throw new UsageException("--out DIR is required");
        if (options.BatchSize < 1) throw new UsageException("--batch-size must be at least 1");
        if (options.Workers < 1) throw new UsageException("--workers must be at least 1");
        var sources = new[] { options.Model is not null || options.Weights is not null, options.Onnx is not null, options.Cache is not null, options.Run is not null }.Count(x => x);
        if (sources != 1) throw new UsageException("give exactly one of --model SPEC --weights FILE, --onnx FILE, --cache DIR or --run DIR");
        if (options.Run is null && options.Select is not null) throw new UsageException("--select chooses among a training run's checkpoints: give --run DIR");
        var plan = options.Run is null ? null : CheckpointEval.Plan(options.Run, options.Checkpoints, options.Select);
        if (options.Seed < 0) throw new UsageException($"--seed must be a non-negative integer (got {options.Seed})");
        var scoring = new EvalScoring(new BootstrapOptions { Resamples = options.Bootstrap, Seed = (ulong)options.Seed }, ParseFmrTargets(options.Fmr));
        scoring.Bootstrap.Validate();
        var onnxRun = ModelLoader.OnnxOptions(options.OnnxRuns, options.Threads, options.OnnxInterThreads, options.Onnx);
        if (options.Threads is < 1) throw new UsageException("--threads must be at least 1");
        var embedding = new EvalEmbedSettings(ImagingInputs.For(options.Unaligned), options.BatchSize, options.Workers);
        return new EvalStage(options, plan, scoring, onnxRun, embedding, ReadSets(options));
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    public static Task<EvalStageResult> RunAsync(EvalOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options).RunAsync(reporter, ct);

    /// <summary>Embeds, scores and writes; lines, warnings and progress go to <paramref name="reporter"/> (null: none).</summary>
    public async Task<EvalStageResult> RunAsync(StageReporter? reporter, CancellationToken ct)
    {
        var log = reporter ?? StageReporter.Silent;
        var o = _options;
        var outDir = o.OutDir!;
        using var folder = RunFolder.Acquire(outDir, "eval");
        if (_plan is not null)
        {
            ModelLoader.SetThreads(o.Threads);
            var (count, selected) = await CheckpointEval.RunAsync(_plan, _sets, () => ReadSets(o), _embedding, o.Device, _scoring, outDir, log, ct).ConfigureAwait(false);
            return new EvalStageResult(outDir, selected, count);
        }

        FusedEmbeddings emb;
        EvalModelInfo info;
        var preprocessing = EvalRun.PreprocessingLine(_sets, _embedding);
        if (o.Cache is { } cache)
        {
            using var reader = EmbeddingCacheReader.Open(cache);
            _sets.Provenance.AddFile("cache", Path.Combine(cache, CacheIndex.FileName));
            emb = EvalEmbeddings.FromCache(_sets.Images, reader);
            preprocessing = reader.Metadata.RecordedPreprocessing()?.CanonicalLine() ?? reader.Metadata.Preprocessing;
            info = new EvalModelInfo($"cache of {reader.Metadata.Teacher} (weights sha256 {reader.Metadata.WeightsSha256})",
                EvalEmbeddings.CacheFingerprint(reader.Index), Path.GetFullPath(cache));
        }
        else
        {
            ModelLoader.SetThreads(o.Threads);
            var loaded = ModelLoader.Load(o.Model, o.Weights, o.Onnx, o.Device, half: false, "--model", _onnxRun);
            _sets.Provenance.AddFile(o.Onnx is null ? "weights" : "onnx", loaded.WeightsPath, loaded.WeightsSha256);
            using var embedder = loaded.Embedder;
            if (loaded.Execution is not null) log.Info($"eval: {loaded.Name}: {loaded.Execution}");
            emb = await EvalRun.EmbedAsync(_sets, embedder, _embedding, log, ct).ConfigureAwait(false);
            info = new EvalModelInfo(loaded.Name, loaded.WeightsSha256, Path.GetFullPath(loaded.WeightsPath));
        }

        var result = EvalRun.ScoreAndWrite(_sets, emb, info, _scoring, outDir, print: true, preprocessing, log);
        return new EvalStageResult(outDir, result, 0);
    }

    /// <summary>Reads every evaluation set of <paramref name="options"/> into a fresh <see cref="EvalSets"/> (a fresh
    /// provenance record: each checkpoint of a run gets its own).</summary>
    private static EvalSets ReadSets(EvalOptions options)
    {
        var read = new EvalSets(ProvenanceRecorder.Start("eval", options.Threads));
        var lmk = new Dictionary<string, LandmarkTable>(StringComparer.Ordinal);
        foreach (var l in options.LandmarkFiles)
        {
            var p = NamedPath.Parse(l, "--landmarks", NamedPathKind.File);
            var table = LandmarkFileReader.Read(p.Path, read.Report);
            InputFileCheck.Ensure($"--landmarks {l}", p.Path, InputFormat.Landmarks, table.Count, "landmark rows", read.Report);
            read.Provenance.AddFile($"landmarks:{p.Name}", p.Path);
            read.LandmarkSources.Add(LandmarkSource.Of(p.Name, p.Path));
            lmk[p.Name] = table;
        }

        if (options.Rfw is not null) read.AddRfw(options.Rfw);
        foreach (var s in options.Lfw) read.AddPairList(s, "--lfw", lfw: true, lmk);
        foreach (var s in options.Pairs) read.AddPairList(s, "--pairs", lfw: false, lmk);
        foreach (var s in options.Bin) read.AddBin(s);
        if (read.Sets.Count == 0) throw new UsageException("give at least one evaluation set: --rfw, --lfw, --pairs or --bin");
        var unknown = lmk.Keys.Where(k => read.Sets.All(s => s.Name != k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"--landmarks {unknown[0]}: no --lfw/--pairs set of that name");
        return read;
    }

    /// <summary>The --fmr list: distinct numbers in (0, 1), in the order given.</summary>
    internal static IReadOnlyList<double> ParseFmrTargets(string text)
    {
        var targets = new List<double>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0 && v < 1))
                throw new UsageException($"--fmr {text}: '{part}' is not an FMR target in (0, 1); give a comma-separated list such as 1e-3,1e-4");
            if (targets.Contains(v)) throw new UsageException($"--fmr {text}: {part} is listed twice");
            targets.Add(v);
        }

        return targets;
    }
}
