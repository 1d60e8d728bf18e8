using System.Globalization;
using System.Text.Json;
using FairKd.Stages.Eval;
using FairKd.Core;
using FairKd.Core.Eval;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Data.Train;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Train;

namespace FairKd.Stages.Train;

/// <summary>What model.json records of `--val-split` (part of the run's configuration).</summary>
/// <param name="Fraction">Share of the training identities held out.</param>
/// <param name="Seed">Seed of the choice and of the impostor pairs (the run's --seed).</param>
/// <param name="Identities">Identities held out.</param>
/// <param name="Images">Their images (left out of training).</param>
/// <param name="GenuinePairs">Genuine validation pairs.</param>
/// <param name="ImpostorPairs">Impostor validation pairs.</param>
/// <param name="IdentitiesSha256">SHA-256 of the held-out identity names (validation/identities.csv lists them).</param>
/// <param name="Metric">What is compared to pick the best epoch.</param>
internal sealed record ValidationConfig(double Fraction, int Seed, int Identities, int Images, int GenuinePairs, int ImpostorPairs, string IdentitiesSha256, string Metric)
{
    public const string AccuracyMetric = "verification accuracy (10-fold protocol, mean over folds) on the held-out identities' pairs; ties go to the earlier checkpoint";

    public static ValidationConfig From(ValidationSplit s) =>
        new(s.Fraction, s.Seed, s.Identities.Count, s.Images.Count, s.GenuinePairs, s.ImpostorPairs, s.IdentitiesSha256, AccuracyMetric);
}

/// <summary>Which weights became backbone.pth (model.json <c>selected</c>; an outcome, not part of the configuration).</summary>
/// <param name="Rule"><c>last</c> or <c>best-val</c>.</param>
/// <param name="Checkpoint">The checkpoint folder name whose backbone was exported (null: the weights when training stopped).</param>
/// <param name="Epoch">Its epoch (0-based).</param>
/// <param name="GlobalStep">Its global step.</param>
/// <param name="ValAccuracy">Its validation accuracy (fraction), when validated.</param>
/// <param name="Note">Why the rule could not be applied as asked, when it could not.</param>
internal sealed record SelectedWeights(string Rule, string? Checkpoint, int? Epoch, long? GlobalStep, double? ValAccuracy, string? Note = null);

/// <summary>One validated checkpoint: validation/&lt;checkpoint&gt;.json.</summary>
internal sealed record ValidationResult(string Checkpoint, int Epoch, long GlobalStep, double Accuracy, double AccuracyStd, int GenuinePairs, int ImpostorPairs,
    IReadOnlyDictionary<string, double>? GroupAccuracy, string WeightsSha256)
{
    public int SchemaVersion { get; init; } = 1;
}

/// <summary>
/// `fairkd train --val-split P`: after every epoch, the epoch's checkpoint is loaded as `fairkd eval --weights` would load
/// it and its embeddings (image + mirror, as eval) of the held-out images are scored on the split's pairs with the
/// verification protocol. Results go to <c>validation/&lt;checkpoint&gt;.json</c> (the record the selection reads, so a
/// resumed run knows the earlier epochs), train.jsonl (<c>kind: "val"</c>) and, for the best so far,
/// <c>validation/best-backbone.pth</c> (kept whatever --keep-checkpoints prunes). The held-out identities and the pairs are
/// listed in <c>validation/identities.csv</c> and <c>validation/pairs.csv</c>.
/// </summary>
internal sealed class TrainValidation(ValidationSplit split, ModelSpec spec, ImagingOptions imaging, IReadOnlyDictionary<string, LandmarkTable> landmarks,
    int workers, string runDir, StageReporter reporter)
{
    public const string Folder = "validation", BestWeights = "best-backbone.pth";

    private string Dir => Path.Combine(runDir, Folder);

    private static readonly JsonSerializerOptions Json = TrainRunConfig.Json;

    /// <summary>Writes the lists of held-out identities and pairs (same split, same bytes).</summary>
    public void WriteLists()
    {
        Directory.CreateDirectory(Dir);
        Csv.WriteFile(Path.Combine(Dir, "identities.csv"), ["identity", "group", "images"],
            split.Identities.Select(i => new string?[] { i.Identity, i.Group ?? "", i.Images.ToString(CultureInfo.InvariantCulture) }));
        Csv.WriteFile(Path.Combine(Dir, "pairs.csv"), ["pair", "key_a", "key_b", "same", "group"],
            split.Pairs.Select((p, i) => new string?[] { i.ToString(CultureInfo.InvariantCulture), split.Images[p.A].Key, split.Images[p.B].Key, p.Same ? "1" : "0", p.Group ?? "" }));
    }

    /// <summary>Every validated checkpoint of the run, oldest first.</summary>
    public IReadOnlyList<ValidationResult> Results() => ReadResults(runDir);

    /// <summary>The best validated checkpoint: highest accuracy, the earlier on ties; null when none.</summary>
    public ValidationResult? Best() => BestOf(Results());

    /// <summary>Every validated checkpoint of the run folder <paramref name="run"/>, oldest first (none without --val-split).</summary>
    public static IReadOnlyList<ValidationResult> ReadResults(string run)
    {
        var dir = Path.Combine(run, Folder);
        return !Directory.Exists(dir)
            ? []
            : Directory.GetFiles(dir, "epoch-*.json").Select(ReadResult).OrderBy(r => r.GlobalStep).ToList();
    }

    /// <summary>One validation/&lt;checkpoint&gt;.json; a broken one is a usage error naming it (delete it to validate again).</summary>
    private static ValidationResult ReadResult(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<ValidationResult>(File.ReadAllText(file), Json) is { Checkpoint.Length: > 0 } r
                ? r
                : throw new UsageException($"{file}: not a validation record; delete it and rerun with --resume to validate that checkpoint again");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{file}: malformed validation record ({e.Message}); delete it and rerun with --resume to validate that checkpoint again");
        }
    }

    /// <summary>The rule of --select best-val: highest accuracy, the earlier checkpoint on ties; null when none.</summary>
    public static ValidationResult? BestOf(IEnumerable<ValidationResult> results) =>
        results.OrderByDescending(r => r.Accuracy).ThenBy(r => r.GlobalStep).FirstOrDefault();

    /// <summary>Whether <paramref name="checkpoint"/> has its validation/&lt;checkpoint&gt;.json.</summary>
    public bool IsValidated(string checkpoint) => File.Exists(Path.Combine(Dir, Path.GetFileName(checkpoint) + ".json"));

    /// <summary>Validates <paramref name="checkpoint"/> unless it is already validated; returns its train.jsonl record.</summary>
    public ValidationLogRecord Validate(string checkpoint, CheckpointState state, CancellationToken ct)
    {
        var name = Path.GetFileName(checkpoint);
        var file = Path.Combine(Dir, name + ".json");
        var result = File.Exists(file) ? ReadResult(file) : Score(checkpoint, state, ct);
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Dir);
            AtomicFile.WriteAllText(file, JsonSerializer.Serialize(result, Json) + "\n");
        }

        var best = Best()!;
        var isBest = best.Checkpoint == name;
        if (isBest) AtomicFile.WriteAllBytes(Path.Combine(Dir, BestWeights), File.ReadAllBytes(Path.Combine(checkpoint, CheckpointStore.Backbone)));
        reporter.Info(string.Create(CultureInfo.InvariantCulture,
            $"train: validation after epoch {result.Epoch} ({name}): accuracy {100 * result.Accuracy:F2} ± {100 * result.AccuracyStd:F2} % on {result.GenuinePairs}/{result.ImpostorPairs} pairs{(isBest ? " (best so far)" : "")}"));
        return new ValidationLogRecord(result.Epoch, result.GlobalStep, name, result.Accuracy, result.AccuracyStd, result.GenuinePairs, result.ImpostorPairs,
            result.GroupAccuracy, isBest);
    }

    private ValidationResult Score(string checkpoint, CheckpointState state, CancellationToken ct)
    {
        var weights = Path.Combine(checkpoint, CheckpointStore.Backbone);
        using var embedder = TorchFaceEmbedder.Create(spec, weights);
        var images = split.Images.Select(ToEvalImage).ToList();
        var emb = EvalEmbeddings.WithModelAsync(images, embedder, imaging, batchSize: 32, workers, _ => { }, ProvenanceRecorder.Start("validation", null), ct)
            .GetAwaiter().GetResult();
        var usable = split.Pairs.Where(p => emb.Ok(p.A) && emb.Ok(p.B)).ToList();
        if (usable.Count < ValidationSplit.MinPairs)
            throw new InvalidOperationException($"validation of {checkpoint}: only {usable.Count} of {split.Pairs.Count} pairs have both images embedded " +
                $"(first problem: {emb.Problems.FirstOrDefault(p => p is not null)})");
        var result = ScorePairs(usable, emb);
        var groups = usable.Where(p => p.Group is not null).GroupBy(p => p.Group!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Where(g => g.Count() >= ValidationSplit.MinPairs && g.Any(p => p.Same) && g.Any(p => !p.Same))
            .ToDictionary(g => g.Key, g => ScorePairs(g.ToList(), emb).AccuracyMean, StringComparer.Ordinal);
        return new ValidationResult(Path.GetFileName(checkpoint), state.NextEpoch, state.GlobalStep, result.AccuracyMean, result.AccuracyStd,
            result.GenuinePairs, result.ImpostorPairs, groups.Count > 1 ? groups : null, FileHash.Sha256(weights));
    }

    private static VerificationResult ScorePairs(List<ValidationPair> pairs, FusedEmbeddings emb) =>
        VerificationScorer.Score(emb.PairDistances([.. pairs.Select(p => (p.A, p.B))]), pairs.Select(p => p.Same).ToArray(), VerificationProtocol.Default);

    private EvalImage ToEvalImage(TrainSample s)
    {
        FaceLandmarks? lmk = null;
        string? problem = null;
        if (landmarks.TryGetValue(s.Dataset, out var table) && table.Find(s.RelativePath, out lmk) == LandmarkMatch.Ambiguous)
            problem = "landmarks: ambiguous (several landmark rows match this path)";
        return new EvalImage(s.Key, s.Path, null, lmk, null, problem);
    }
}
