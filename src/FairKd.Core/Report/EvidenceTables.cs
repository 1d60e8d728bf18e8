using System.Globalization;
using FairKd.Core.Eval;

namespace FairKd.Core.Report;

/// <summary>One KD-vs-no-KD comparison of the report: the runs and the rows of <see cref="PairedComparison"/> (or why there are none).</summary>
/// <param name="Kd">The run trained with distillation.</param>
/// <param name="Baseline">The run with the same model, loss and data trained without.</param>
/// <param name="Rows">Statistics compared (differences are KD - no KD).</param>
/// <param name="NullReason">Why nothing was compared (e.g. no scores.csv), else null.</param>
public sealed record KdComparison(ReportRun Kd, ReportRun Baseline, IReadOnlyList<ComparisonRow> Rows, string? NullReason);

/// <summary>
/// The report's fairness-evidence tables: per run the RFW statistics with identity-bootstrap intervals and counts, the
/// group rates at every operating point with their counts, every set's counts, interval and TAR@FAR (with the reason
/// when n/a); across runs the KD-vs-no-KD paired comparisons.
/// </summary>
public static class EvidenceTables
{
    private static readonly ReportColumn[] IntervalColumns =
        [new("Value", true), new("CI low", true), new("CI high", true)];

    private static readonly ReportColumn[] CountColumns =
        [new("Genuine pairs", true, Decimals: 0), new("Impostor pairs", true, Decimals: 0), new("Identities", true, Decimals: 0)];

    /// <summary>
    /// How each run's weights were chosen: the rule recorded in its eval.json (`fairkd eval --run DIR --select RULE`), or
    /// "as given" for a weights file evaluated directly (the training run's model.json says which epoch it holds).
    /// </summary>
    public static ReportTable Selection(IReadOnlyList<ReportRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var rows = runs.Select(r => (IReadOnlyList<ReportCell>)
        [
            ReportCell.Of(r.Name),
            ReportCell.Of(r.Eval.Selection?.Rule ?? "as given"),
            ReportCell.Of(r.Eval.Selection?.Checkpoint ?? r.Eval.Model.Source),
            ReportCell.Of(r.Eval.Selection is { } s ? (double)s.Candidates : null),
            ReportCell.Of(r.Eval.Selection?.OnTestSet == true ? "YES: optimistic" : "no"),
            ReportCell.Of(r.Eval.Selection?.Description ?? "the weights file named, evaluated as it is"),
        ]).ToList();
        return new ReportTable("Model selection",
            [new("Run", false), new("Rule", false), new("Checkpoint or weights", false), new("Candidates", true, Decimals: 0), new("Selected on the test set", false), new("Rule in words", false)],
            rows);
    }

    /// <summary>The runs whose checkpoint was chosen on the test set (the study's rule), for the report's warning.</summary>
    public static IReadOnlyList<string> SelectedOnTestSet(IReadOnlyList<ReportRun> runs) =>
        [.. (runs ?? throw new ArgumentNullException(nameof(runs))).Where(r => r.Eval.Selection?.OnTestSet == true).Select(r => r.Name)];

    /// <summary>RFW groups (paper order), Average, STD and SER of one run with interval bounds and the pairs and identities behind each.</summary>
    public static ReportTable RfwIntervals(ReportRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var rfw = run.Eval.Rfw ?? throw new ArgumentException($"run {run.Name} has no RFW block");
        var sets = run.Eval.Sets.Where(s => s.Kind == TargetSetKind.RfwGroup).ToDictionary(s => s.Group ?? s.Name, StringComparer.Ordinal);
        var rows = new List<IReadOnlyList<ReportCell>>();
        foreach (var name in ReportTables.PaperGroupOrder)
        {
            if (rfw.Groups.FirstOrDefault(g => g.Group == name) is not { } g) continue;
            var set = sets.GetValueOrDefault(name);
            rows.Add(Row(name, g.AccuracyPercent, g.Interval, g.GenuinePairs ?? set?.GenuinePairs, g.ImpostorPairs ?? set?.ImpostorPairs, g.Identities ?? set?.Identities, set?.IntervalNote));
        }

        int? Sum(Func<GroupAccuracy, int?> f) => rfw.Groups.All(g => f(g).HasValue) ? rfw.Groups.Sum(g => f(g)!.Value) : null;
        int? gen = Sum(g => g.GenuinePairs), imp = Sum(g => g.ImpostorPairs), ids = Sum(g => g.Identities);
        var note = rfw.AverageInterval is null ? NoIntervalNote(run) : null;
        rows.Add(Row("Average", rfw.Average, rfw.AverageInterval, gen, imp, ids, note));
        rows.Add(Row("STD", rfw.Std, rfw.StdInterval, gen, imp, ids, note));
        rows.Add(Row("SER", rfw.Ser, rfw.SerInterval, gen, imp, ids,
            rfw.Ser is null ? "SER undefined (a group has no errors)"
            : rfw.SerInterval is { UndefinedResamples: > 0 } u ? string.Create(CultureInfo.InvariantCulture, $"no interval: SER undefined in {u.UndefinedResamples} resamples (a group without errors)")
            : note));
        return new ReportTable($"{run.Name}: RFW accuracy (%) with {EvidenceFormat.Bootstrap(run.Eval.Protocol.Bootstrap)}",
            [new("Statistic", false), .. IntervalColumns, .. CountColumns, new("Note", false)], rows);
    }

    /// <summary>Every operating point of one run, one row per group: threshold, FMR and FNMR (%) with the counts they are made of.</summary>
    public static ReportTable OperatingPointGroups(ReportRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var rows = new List<IReadOnlyList<ReportCell>>();
        foreach (var p in run.Eval.Rfw?.OperatingPoints ?? [])
        {
            var target = ReportCell.Of(EvidenceFormat.Target(p.TargetFmr));
            if (p.Result is not { } r)
            {
                rows.Add([target, ReportCell.Of((double?)null), ReportCell.Of("all"), .. Enumerable.Repeat(ReportCell.Of((double?)null), 6),
                    ReportCell.Of(string.Create(CultureInfo.InvariantCulture, $"n/a ({p.NullReason}); {p.ImpostorPairs} impostor pairs pooled"))]);
                continue;
            }

            foreach (var name in ReportTables.PaperGroupOrder)
            {
                if (r.Groups.FirstOrDefault(g => g.Group == name) is not { } g) continue;
                rows.Add([target, ReportCell.Of(r.Threshold), ReportCell.Of(name), ReportCell.Of(g.Fmr * 100), ReportCell.Of(g.FalseMatches), ReportCell.Of(g.ImpostorPairs),
                    ReportCell.Of(g.Fnmr * 100), ReportCell.Of(g.FalseNonMatches), ReportCell.Of(g.GenuinePairs), ReportCell.Of((string?)null)]);
            }
        }

        return new ReportTable($"{run.Name}: FMR and FNMR per group at one global threshold (pooled impostors)",
            [new("Target FMR", false), new("Threshold", true, Decimals: 4), new("Group", false), new("FMR (%)", true, Decimals: 3), new("False matches", true, Decimals: 0),
             new("Impostor pairs", true, Decimals: 0), new("FNMR (%)", true), new("False non-matches", true, Decimals: 0), new("Genuine pairs", true, Decimals: 0), new("Note", false)],
            rows);
    }

    /// <summary>Every set of one run: counts, accuracy with interval, TAR at each FAR target (text: a value or "n/a (why)").</summary>
    public static ReportTable Sets(ReportRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var targets = run.Eval.Protocol.FarTargets;
        var rows = run.Eval.Sets.Select(s => (IReadOnlyList<ReportCell>)
        [
            ReportCell.Of(s.Name), ReportCell.Of(s.GenuinePairs), ReportCell.Of(s.ImpostorPairs), ReportCell.Of(s.Identities), ReportCell.Of(s.DroppedPairs),
            ReportCell.Of(s.AccuracyMean * 100), ReportCell.Of(s.AccuracyInterval?.Lower * 100), ReportCell.Of(s.AccuracyInterval?.Upper * 100),
            .. targets.Select(t => ReportCell.Of(EvidenceFormat.Tar(s.TarAtFar.FirstOrDefault(x => Math.Abs(x.TargetFar - t) <= 1e-12 * t)))),
            ReportCell.Of(s.AccuracyInterval is null ? s.IntervalNote ?? NoIntervalNote(run) : null),
        ]).ToList();
        return new ReportTable($"{run.Name}: every set (accuracy %, TAR %)",
            [new("Set", false), .. CountColumns.Take(2), CountColumns[2], new("Dropped pairs", true, Decimals: 0), new("Accuracy", true), new("CI low", true), new("CI high", true),
             .. targets.Select(t => new ReportColumn($"TAR@FAR={EvidenceFormat.Target(t)}", false)), new("Note", false)],
            rows);
    }

    /// <summary>Runs trained with distillation paired with the run of the same model, loss and data trained without (by run.json labels).</summary>
    public static IReadOnlyList<(ReportRun Kd, ReportRun Baseline)> KdPairs(IReadOnlyList<ReportRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        static string? Key(RunLabel l) => l.Model is null || l.Data is null
            ? null
            : $"{PublishedResults.Normalise(l.Model)}|{PublishedResults.Normalise(l.Loss ?? "")}|{PublishedResults.Normalise(l.Data)}";
        return [.. from kd in runs
                   where kd.Label.Distillation == true && Key(kd.Label) is not null
                   from b in runs
                   where b.Label.Distillation == false && Key(b.Label) == Key(kd.Label)
                   select (kd, b)];
    }

    /// <summary>The paired comparison of every KD-vs-no-KD pair from the runs' scores.csv (or the reason it cannot be made).</summary>
    public static IReadOnlyList<KdComparison> CompareKd(IReadOnlyList<ReportRun> runs, BootstrapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var scores = new Dictionary<ReportRun, IReadOnlyList<ScoredPair>?>(ReferenceEqualityComparer.Instance);
        IReadOnlyList<ScoredPair>? Scores(ReportRun r) =>
            scores.TryGetValue(r, out var s) ? s : scores[r] = r.ScoresFile is { } f ? ScoresCsv.Read(f) : null;
        return KdPairs(runs).Select(p =>
        {
            var missing = new[] { p.Kd, p.Baseline }.FirstOrDefault(r => Scores(r) is null);
            return missing is not null
                ? new KdComparison(p.Kd, p.Baseline, [], $"no {ScoresCsv.FileName} beside {missing.Name}'s eval.json (written by fairkd eval since eval.json schema 2: re-run the evaluation)")
                : new KdComparison(p.Kd, p.Baseline, PairedComparison.Compare(Scores(p.Kd)!, Scores(p.Baseline)!, options), null);
        }).ToList();
    }

    /// <summary>One table of all comparisons: KD, no KD, A - B with its interval, whether the interval excludes 0, and the counts.</summary>
    public static ReportTable Comparisons(IReadOnlyList<KdComparison> comparisons, BootstrapOptions options)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        ArgumentNullException.ThrowIfNull(options);
        var rows = new List<IReadOnlyList<ReportCell>>();
        foreach (var c in comparisons)
        {
            var names = new[] { ReportCell.Of(c.Kd.Name), ReportCell.Of(c.Baseline.Name) };
            if (c.NullReason is not null)
                rows.Add([.. names, ReportCell.Of("all"), .. Enumerable.Repeat(ReportCell.Of((double?)null), 5), ReportCell.Of("n/a"), .. Enumerable.Repeat(ReportCell.Of((double?)null), 3), ReportCell.Of(c.NullReason)]);
            foreach (var r in c.Rows)
            {
                rows.Add([.. names, ReportCell.Of(r.Metric), ReportCell.Of(r.A), ReportCell.Of(r.B), ReportCell.Of(r.Difference), ReportCell.Of(r.Interval?.Lower), ReportCell.Of(r.Interval?.Upper),
                    ReportCell.Of(r.Interval is { Lower: not null } i ? (i.ExcludesZero ? "yes" : "no") : "n/a"),
                    ReportCell.Of(r.GenuinePairs), ReportCell.Of(r.ImpostorPairs), ReportCell.Of(r.Identities), ReportCell.Of(r.NullReason)]);
            }
        }

        return new ReportTable(string.Create(CultureInfo.InvariantCulture,
                $"KD vs no KD: paired identity bootstrap ({options.Resamples} resamples, seed {options.Seed}, {options.Confidence * 100:0.#}% percentile interval of KD - no KD)"),
            [new("KD run", false), new("no-KD run", false), new("Statistic", false), new("KD", true), new("no KD", true), new("Difference", true),
             new("CI low", true), new("CI high", true), new("Excludes 0", false), .. CountColumns, new("Note", false)],
            rows);
    }

    private static List<ReportCell> Row(string name, double? value, BootstrapInterval? interval, int? genuine, int? impostor, int? identities, string? note) =>
    [
        ReportCell.Of(name), ReportCell.Of(value), ReportCell.Of(interval?.Lower), ReportCell.Of(interval?.Upper),
        ReportCell.Of(genuine), ReportCell.Of(impostor), ReportCell.Of(identities), ReportCell.Of(interval?.Lower is null ? note : null),
    ];

    private static string NoIntervalNote(ReportRun run) => run.Eval.SchemaVersion < 2
        ? "no interval: eval.json schema 1 (re-run fairkd eval)"
        : run.Eval.Protocol.Bootstrap is null ? EvalEvidence.BootstrapOff : "no interval";
}
