using Cocona;
using FairKd.Cli.Help;
using FairKd.Stages.Embed;
using FairKd.Stages.Eval;
using FairKd.Core;
using FairKd.Core.Evaluation;
using FairKd.Core.Records;
using FairKd.Data.Ingest;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;

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
        CommandGuard.RunAsync(verbose, async ct =>
        {
            if (string.IsNullOrWhiteSpace(@out)) throw new UsageException("--out DIR is required");
            if (batchSize < 1) throw new UsageException("--batch-size must be at least 1");
            if (workers is < 1) throw new UsageException("--workers must be at least 1");
            var sources = new[] { model is not null || weights is not null, onnx is not null, cache is not null, run is not null }.Count(x => x);
            if (sources != 1) throw new UsageException("give exactly one of --model SPEC --weights FILE, --onnx FILE, --cache DIR or --run DIR");
            if (run is null && select is not null) throw new UsageException("--select chooses among a training run's checkpoints: give --run DIR");
            var plan = run is null ? null : CheckpointEval.Plan(run, checkpoints, select);
            if (seed < 0) throw new UsageException($"--seed must be a non-negative integer (got {seed})");
            var scoring = new EvalScoring(new BootstrapOptions { Resamples = bootstrap, Seed = (ulong)seed }, ParseFmrTargets(fmr));
            scoring.Bootstrap.Validate();
            var policy = IngestInputs.ParseUnaligned(unaligned);
            var onnxRun = ModelLoader.OnnxOptions(onnxRuns, threads, onnxInterThreads, onnx);
            EvalSets ReadSets()
            {
                var read = new EvalSets(ProvenanceRecorder.Start("eval", threads));
                var lmk = new Dictionary<string, LandmarkTable>(StringComparer.Ordinal);
                foreach (var l in landmarks ?? [])
                {
                    var p = NamedPath.Parse(l, "--landmarks", NamedPathKind.File);
                    var table = LandmarkFileReader.Read(p.Path, read.Report);
                    InputFileCheck.Ensure($"--landmarks {l}", p.Path, InputFormat.Landmarks, table.Count, "landmark rows", read.Report);
                    read.Provenance.AddFile($"landmarks:{p.Name}", p.Path);
                    read.LandmarkSources.Add(LandmarkSource.Of(p.Name, p.Path));
                    lmk[p.Name] = table;
                }

                if (rfw is not null) read.AddRfw(rfw);
                foreach (var s in lfw ?? []) read.AddPairList(s, "--lfw", lfw: true, lmk);
                foreach (var s in pairs ?? []) read.AddPairList(s, "--pairs", lfw: false, lmk);
                foreach (var s in bin ?? []) read.AddBin(s);
                if (read.Sets.Count == 0) throw new UsageException("give at least one evaluation set: --rfw, --lfw, --pairs or --bin");
                var unknown = lmk.Keys.Where(k => read.Sets.All(s => s.Name != k)).ToList();
                if (unknown.Count > 0) throw new UsageException($"--landmarks {unknown[0]}: no --lfw/--pairs set of that name");
                return read;
            }

            var sets = ReadSets();
            var embedding = new EvalEmbedSettings(ImagingInputs.For(policy), batchSize, workers ?? MachineDefaults.Workers);
            if (plan is not null)
            {
                ModelLoader.SetThreads(threads);
                return await CheckpointEval.RunAsync(plan, sets, ReadSets, embedding, device, scoring, @out, ConsoleReporter.Instance, ct);
            }

            FusedEmbeddings emb;
            EvalModelInfo info;
            var preprocessing = EvalRun.PreprocessingLine(sets, embedding);
            if (cache is not null)
            {
                using var reader = EmbeddingCacheReader.Open(cache);
                sets.Provenance.AddFile("cache", Path.Combine(cache, CacheIndex.FileName));
                emb = EvalEmbeddings.FromCache(sets.Images, reader);
                preprocessing = reader.Metadata.RecordedPreprocessing()?.CanonicalLine() ?? reader.Metadata.Preprocessing;
                info = new EvalModelInfo($"cache of {reader.Metadata.Teacher} (weights sha256 {reader.Metadata.WeightsSha256})",
                    EvalEmbeddings.CacheFingerprint(reader.Index), Path.GetFullPath(cache));
            }
            else
            {
                ModelLoader.SetThreads(threads);
                var loaded = ModelLoader.Load(model, weights, onnx, device, half: false, "--model", onnxRun);
                sets.Provenance.AddFile(onnx is null ? "weights" : "onnx", loaded.WeightsPath, loaded.WeightsSha256);
                using var embedder = loaded.Embedder;
                if (loaded.Execution is not null) Console.WriteLine($"eval: {loaded.Name}: {loaded.Execution}");
                emb = await EvalRun.EmbedAsync(sets, embedder, embedding, ConsoleReporter.Instance, ct);
                info = new EvalModelInfo(loaded.Name, loaded.WeightsSha256, Path.GetFullPath(loaded.WeightsPath));
            }

            EvalRun.ScoreAndWrite(sets, emb, info, scoring, @out, print: true, preprocessing, ConsoleReporter.Instance);
            return ExitCodes.Success;
        }, context?.CancellationToken ?? CancellationToken.None);

    /// <summary>The --fmr list: distinct numbers in (0, 1), in the order given.</summary>
    internal static IReadOnlyList<double> ParseFmrTargets(string text)
    {
        var targets = new List<double>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || !(v > 0 && v < 1))
                throw new UsageException($"--fmr {text}: '{part}' is not an FMR target in (0, 1); give a comma-separated list such as 1e-3,1e-4");
            if (targets.Contains(v)) throw new UsageException($"--fmr {text}: {part} is listed twice");
            targets.Add(v);
        }

        return targets;
    }
}
