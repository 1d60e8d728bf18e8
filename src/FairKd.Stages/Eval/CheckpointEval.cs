using System.Globalization;
using System.Text;
using System.Text.Json;
using FairKd.Stages.Embed;
using FairKd.Stages.Train;
using FairKd.Core;
using FairKd.Core.Eval;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Torch.Train;

namespace FairKd.Stages.Eval;

/// <summary>One checkpoint of a training run: folder name, path, epoch of its last batch and global step.</summary>
internal sealed record RunCheckpoint(string Name, string Folder, int Epoch, long GlobalStep);

/// <summary>What `fairkd eval --run DIR` evaluates: the run's model spec, the checkpoints (oldest first) and the --select rule.</summary>
internal sealed record CheckpointPlan(string Run, string ModelSpec, IReadOnlyList<RunCheckpoint> Checkpoints, string? Select);

/// <summary>
/// `fairkd eval --run DIR [--checkpoints all|NAME,...] [--select RULE]`: every chosen checkpoint of a training run is
/// evaluated as `fairkd eval --model SPEC --weights CHECKPOINT/backbone.pth` would be, into OUT/checkpoints/NAME/ (eval.json,
/// scores.csv; a rerun skips a checkpoint already evaluated on the same sets with the same weights), and the curve of every
/// set's accuracy (with the RFW average, STD and SER and the run's validation accuracy) over checkpoints goes to
/// OUT/curve.csv and OUT/curve.md. With --select, OUT/eval.json and OUT/scores.csv are those of the checkpoint the rule picks,
/// with the rule recorded (<see cref="EvalSelection"/>); only <c>test-rfw-average</c>, the study's rule, looks at the test sets,
/// and it is flagged as such.
/// </summary>
internal static class CheckpointEval
{
    public const string CurveCsv = "curve.csv", CurveMarkdown = "curve.md", Folder = "checkpoints";

    /// <summary>--select values.</summary>
    public const string Last = "last", BestVal = "best-val", TestRfwAverage = "test-rfw-average";

    /// <summary>Reads the run folder and checks --checkpoints and --select before anything is loaded.</summary>
    public static CheckpointPlan Plan(string run, string checkpoints, string? select)
    {
        if (!Directory.Exists(run)) throw new UsageException($"--run {run}: folder not found");
        var config = TrainRunConfig.TryRead(run) ?? throw new UsageException($"--run {run}: no {TrainRunConfig.FileName}, so not a `fairkd train` run folder");
        if (config.Target != "identity") throw new UsageException($"--run {run}: a --target {config.Target} run (ethnicity classifier) has no face-verification checkpoints to evaluate");
        var all = CheckpointStore.List(Path.Combine(run, "checkpoints"))
            .Select(f => (Folder: f, State: CheckpointStore.ReadState(f)))
            .Select(c => new RunCheckpoint(Path.GetFileName(c.Folder), c.Folder, c.State.NextEpoch, c.State.GlobalStep)).ToList();
        if (all.Count == 0) throw new UsageException($"--run {run}: no checkpoints in {Path.Combine(run, "checkpoints")}");
        List<RunCheckpoint> chosen;
        if (checkpoints == "all") chosen = all;
        else
        {
            chosen = [];
            foreach (var name in checkpoints.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var c = all.FirstOrDefault(x => x.Name == name)
                    ?? throw new UsageException($"--checkpoints {checkpoints}: {run} has no checkpoint {name} (it has {string.Join(", ", all.Select(x => x.Name))})");
                if (!chosen.Contains(c)) chosen.Add(c);
            }

            if (chosen.Count == 0) throw new UsageException($"--checkpoints {checkpoints}: give all or checkpoint folder names");
            chosen = [.. chosen.OrderBy(c => c.GlobalStep)];
        }

        if (select is not null and not (Last or BestVal or TestRfwAverage))
            throw new UsageException($"--select {select}: use {Last}, {BestVal} (the run's --val-split validation) or {TestRfwAverage} (the study's rule, selection on the test set)");
        if (select == BestVal)
        {
            var validated = TrainValidation.ReadResults(run).Select(r => r.Checkpoint).ToHashSet(StringComparer.Ordinal);
            if (!chosen.Any(c => validated.Contains(c.Name)))
                throw new UsageException($"--select {BestVal}: no chosen checkpoint of {run} was validated; train with --val-split P to have a validation that is not the test set");
        }

        return new CheckpointPlan(run, config.Model, chosen, select);
    }

    /// <summary>Evaluates every checkpoint of <paramref name="plan"/>; <paramref name="sets"/> is used for the first, and
    /// <paramref name="readSets"/> gives fresh sets (a fresh provenance record) for each further one. Returns the number of
    /// checkpoints in the curve and, with a --select rule, the result written to OUT/eval.json.</summary>
    public static async Task<(int Checkpoints, EvalResult? Selected)> RunAsync(CheckpointPlan plan, EvalSets sets, Func<EvalSets> readSets, EvalEmbedSettings embedding, string device,
        EvalScoring scoring, string outDir, StageReporter log, CancellationToken ct)
    {
        if (plan.Select == TestRfwAverage && sets.Sets.Count(s => s.Kind == TargetSetKind.RfwGroup) != 4)
            throw new UsageException($"--select {TestRfwAverage} picks by the RFW average: give --rfw ROOT with its four groups");
        var results = new List<(RunCheckpoint Checkpoint, EvalResult Result)>();
        EvalSets? fresh = sets;
        foreach (var c in plan.Checkpoints)
        {
            ct.ThrowIfCancellationRequested();
            var dir = Path.Combine(outDir, Folder, c.Name);
            var weights = Path.Combine(c.Folder, CheckpointStore.Backbone);
            fresh ??= readSets();
            if (Done(dir, FileHash.Sha256(weights), fresh, scoring, EvalRun.PreprocessingLine(fresh, embedding)) is { } done)
            {
                log.Info($"eval: {c.Name} already evaluated in {dir}");
                results.Add((c, done));
                continue;
            }

            log.Info($"eval: {c.Name} (epoch {c.Epoch}, step {c.GlobalStep})");
            var loaded = ModelLoader.Load(plan.ModelSpec, weights, null, device, half: false, "--model");
            using (var embedder = loaded.Embedder)
            {
                fresh.Provenance.AddFile("weights", weights, loaded.WeightsSha256);
                var emb = await EvalRun.EmbedAsync(fresh, embedder, embedding, log, ct);
                Directory.CreateDirectory(dir);
                var info = new EvalModelInfo($"{loaded.Name} @ {c.Name}", loaded.WeightsSha256, Path.GetFullPath(weights));
                results.Add((c, EvalRun.ScoreAndWrite(fresh, emb, info, scoring, dir, print: false, EvalRun.PreprocessingLine(fresh, embedding), log)));
            }

            fresh = null;
        }

        var validation = TrainValidation.ReadResults(plan.Run).ToDictionary(r => r.Checkpoint, r => r.Accuracy, StringComparer.Ordinal);
        var (header, rows) = Curve(results, validation);
        Directory.CreateDirectory(outDir);
        Csv.WriteFile(Path.Combine(outDir, CurveCsv), header, rows);
        var md = Markdown(header, rows, plan);
        AtomicFile.WriteAllText(Path.Combine(outDir, CurveMarkdown), md);
        log.Write(md);
        var selected = plan.Select is { } rule ? WriteSelected(rule, results, validation, outDir, log) : null;
        log.Info($"eval: wrote {Path.Combine(outDir, CurveCsv)} and {CurveMarkdown} ({results.Count} checkpoints)");
        return (results.Count, selected);
    }

    /// <summary>The earlier result in <paramref name="dir"/> when it is of the same weights, sets, protocol and preprocessing, else null.</summary>
    private static EvalResult? Done(string dir, string weightsSha256, EvalSets sets, EvalScoring scoring, string preprocessing)
    {
        var json = Path.Combine(dir, EvalRun.FileName);
        if (!File.Exists(json) || !File.Exists(Path.Combine(dir, ScoresCsv.FileName))) return null;
        EvalResult r;
        try
        {
            r = EvalJson.Read(json);
        }
        catch (InvalidDataException)
        {
            return null; // a broken or foreign eval.json: evaluate the checkpoint again
        }

        var protocol = EvalProtocolInfo.From(VerificationProtocol.Default, scoring.FmrTargets, scoring.Bootstrap.Resamples > 0 ? scoring.Bootstrap : null);
        var sameSets = r.Sets.Select(s => (s.Name, s.DataFingerprint)).SequenceEqual(sets.Sets.Select(s => (s.Name, s.Fingerprint)));
        var sameProtocol = JsonSerializer.Serialize(r.Protocol, EvalJson.Options) == JsonSerializer.Serialize(protocol, EvalJson.Options);
        return r.Model.Fingerprint == weightsSha256 && sameSets && sameProtocol && r.Preprocessing == preprocessing ? r : null;
    }

    private static (List<string> Header, List<string?[]> Rows) Curve(List<(RunCheckpoint Checkpoint, EvalResult Result)> results, Dictionary<string, double> validation)
    {
        var sets = results[0].Result.Sets.Select(s => s.Name).ToList();
        var rfw = results.Any(r => r.Result.Rfw is not null);
        var header = new List<string> { "checkpoint", "epoch", "global_step", "val_accuracy" };
        header.AddRange(sets);
        if (rfw) header.AddRange(["rfw_average", "rfw_std", "rfw_ser"]);
        static string? F(double? v) => v?.ToString("F2", CultureInfo.InvariantCulture);
        var rows = new List<string?[]>();
        foreach (var (c, r) in results)
        {
            var row = new List<string?>
            {
                c.Name, c.Epoch.ToString(CultureInfo.InvariantCulture), c.GlobalStep.ToString(CultureInfo.InvariantCulture),
                validation.TryGetValue(c.Name, out var v) ? F(100 * v) : null,
            };
            row.AddRange(sets.Select(n => r.Sets.FirstOrDefault(s => s.Name == n) is { } s ? F(100 * s.AccuracyMean) : null));
            if (rfw) row.AddRange([F(r.Rfw?.Average), F(r.Rfw?.Std), F(r.Rfw?.Ser)]);
            rows.Add([.. row]);
        }

        return (header, rows);
    }

    private static string Markdown(List<string> header, List<string?[]> rows, CheckpointPlan plan)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"## Accuracy over checkpoints: {Path.GetFileName(Path.GetFullPath(plan.Run))} ({plan.ModelSpec})\n\n");
        sb.Append("Accuracy in percent (10-fold protocol); val_accuracy = the run's --val-split validation (held-out training identities), ")
          .Append("empty when the run has none. Choosing a row by a test-set column is selection on the test set.\n\n");
        sb.Append("| ").AppendJoin(" | ", header).Append(" |\n|").AppendJoin("", header.Select(_ => "---|")).Append('\n');
        foreach (var r in rows) sb.Append("| ").AppendJoin(" | ", r.Select(x => x ?? "-")).Append(" |\n");
        return sb.ToString();
    }

    private static EvalResult WriteSelected(string rule, List<(RunCheckpoint Checkpoint, EvalResult Result)> results, Dictionary<string, double> validation, string outDir, StageReporter log)
    {
        (RunCheckpoint Checkpoint, EvalResult Result) pick;
        string description;
        var onTest = false;
        switch (rule)
        {
            case Last:
                pick = results[^1];
                description = "the newest of the checkpoints evaluated (no selection)";
                break;
            case BestVal:
                var validated = results.Where(r => validation.ContainsKey(r.Checkpoint.Name)).ToList();
                pick = validated.OrderByDescending(r => validation[r.Checkpoint.Name]).ThenBy(r => r.Checkpoint.GlobalStep).First();
                description = string.Create(CultureInfo.InvariantCulture,
                    $"the best validation accuracy ({100 * validation[pick.Checkpoint.Name]:F2} %) on the run's --val-split identities, held out of training; no test set was looked at");
                break;
            default:
                pick = results.Where(r => r.Result.Rfw is not null).OrderByDescending(r => r.Result.Rfw!.Average).ThenBy(r => r.Checkpoint.GlobalStep).First();
                description = string.Create(CultureInfo.InvariantCulture,
                    $"the study's rule: the best RFW average ({pick.Result.Rfw!.Average:F2} %) among {results.Count} checkpoints, i.e. selection on the test set; these numbers are optimistic");
                onTest = true;
                break;
        }

        var selection = new EvalSelection(rule, pick.Checkpoint.Name, pick.Checkpoint.Epoch, pick.Checkpoint.GlobalStep, results.Count, onTest, description);
        var selected = pick.Result with { Selection = selection };
        EvalJson.Write(Path.Combine(outDir, EvalRun.FileName), selected);
        AtomicFile.WriteAllBytes(Path.Combine(outDir, ScoresCsv.FileName), File.ReadAllBytes(Path.Combine(outDir, Folder, pick.Checkpoint.Name, ScoresCsv.FileName)));
        log.Write(EvalRun.Table(pick.Result));
        if (onTest) log.Warn($"--select {TestRfwAverage} chose {pick.Checkpoint.Name} on the test set (the study's rule); eval.json records it and `fairkd report` flags it");
        log.Info($"eval: selected {pick.Checkpoint.Name} by {rule}: {description}");
        return selected;
    }
}
