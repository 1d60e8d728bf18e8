using System.Globalization;
using System.Text;
using FairKd.Core.Eval;
using FairKd.Core.Pipeline;
using FairKd.Core.Report;

namespace FairKd.Stages.Eval;

/// <summary>What `fairkd eval` computes beyond the protocol: the identity bootstrap and the RFW operating points.</summary>
/// <param name="Bootstrap">Identity bootstrap settings (default 1,000 resamples, seed 1, 95 %).</param>
/// <param name="FmrTargets">FMR targets of the RFW operating points (default 1e-3, 1e-4).</param>
internal sealed record EvalScoring(BootstrapOptions Bootstrap, IReadOnlyList<double> FmrTargets)
{
    /// <summary>The defaults.</summary>
    public static EvalScoring Default { get; } = new(BootstrapOptions.Default, RfwFairness.DefaultFmrTargets);
}

/// <summary>How `fairkd eval` decodes and batches images for a model: aligned as <paramref name="Imaging"/> says, <paramref name="BatchSize"/>
/// images per call, <paramref name="Workers"/> decode workers.</summary>
internal sealed record EvalEmbedSettings(Data.Imaging.ImagingOptions Imaging, int BatchSize, int Workers);

/// <summary>Scores every set (pairs whose images failed are dropped and counted), the RFW fairness block, eval.json, scores.csv and the printed table.</summary>
internal static class EvalRun
{
    public const string FileName = "eval.json";

    /// <summary>The preprocessing record of a model evaluation: the imaging options and every landmark file the sets read.</summary>
    public static string PreprocessingLine(EvalSets sets, EvalEmbedSettings settings) =>
        Data.Imaging.PreprocessingRecord.For(settings.Imaging, sets.LandmarkSources).CanonicalLine();

    /// <summary>Embeds every image of <paramref name="sets"/> (and its mirror) with <paramref name="embedder"/>, with a progress line.</summary>
    public static async Task<FusedEmbeddings> EmbedAsync(EvalSets sets, Core.Records.IFaceEmbedder embedder, EvalEmbedSettings settings, StageReporter log, CancellationToken ct)
    {
        FusedEmbeddings? result = null;
        await log.TrackAsync("eval", sets.Images.Count, "img", async advance =>
            result = await EvalEmbeddings.WithModelAsync(sets.Images, embedder, settings.Imaging, settings.BatchSize, settings.Workers, advance, sets.Provenance, ct));
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"eval: embedded {sets.Images.Count(i => i.Problem is null)} images (+ mirrors) at {result!.ImagesPerSecond:F1} img/s"));
        return result;
    }

    /// <summary>Scores, writes eval.json and scores.csv into <paramref name="outDir"/>, and (with <paramref name="print"/>) prints the table.</summary>
    public static EvalResult ScoreAndWrite(EvalSets sets, FusedEmbeddings emb, EvalModelInfo info, EvalScoring scoring, string outDir, bool print,
        string preprocessing, StageReporter log, EvalSelection? selection = null)
    {
        var failed = emb.Problems.Count(p => p is not null);
        if (failed > 0) log.Warn($"{failed} of {sets.Images.Count} images could not be embedded (first: {emb.Problems.First(p => p is not null)})");
        var (r, scores) = Score(sets, emb, info, VerificationProtocol.Default, scoring, log);
        r = r with { Selection = selection, Preprocessing = preprocessing };
        ScoresCsv.Write(Path.Combine(outDir, ScoresCsv.FileName), scores);
        EvalJson.Write(Path.Combine(outDir, FileName), r);
        if (print) log.Write(Table(r));
        if (r.Provenance is { } seen) log.Info($"provenance: {seen.Summary()}");
        log.Info($"eval: wrote {Path.Combine(outDir, FileName)} and {ScoresCsv.FileName} ({scores.Count} scored pairs)");
        return r;
    }

    /// <summary>The result (with counts and intervals) and every scored pair (scores.csv), in set order.</summary>
    public static (EvalResult Result, IReadOnlyList<ScoredPair> Scores) Score(EvalSets sets, FusedEmbeddings emb, EvalModelInfo model, VerificationProtocol protocol, EvalScoring scoring, StageReporter log)
    {
        var provenance = sets.Provenance;
        provenance.Count("images", sets.Images.Count).Count("imagesEmbedded", emb.Problems.Count(p => p is null));
        provenance.Count("imagesRejected", emb.Problems.Count(p => p is not null));
        foreach (var problem in emb.Problems)
            if (problem is not null) provenance.Reason(problem);
        var results = new List<TargetSetResult>();
        var scores = new List<ScoredPair>();
        var rfw = new List<(GroupPairs Pairs, VerificationResult Result)>();
        foreach (var set in sets.Sets)
        {
            var usable = set.Pairs.Where(p => emb.Ok(p.A) && emb.Ok(p.B)).ToList();
            var dropped = set.Pairs.Count - usable.Count;
            provenance.Count("pairs", set.Pairs.Count).Count("pairsScored", usable.Count).Count("pairsDropped", dropped);
            if (usable.Count < protocol.Folds)
            {
                var first = set.Pairs.Select(p => emb.Ok(p.A) ? p.B : p.A).Select(i => emb.Problems[i]).FirstOrDefault(x => x is not null);
                throw new InvalidOperationException($"set {set.Name}: only {usable.Count} of {set.Pairs.Count} pairs have both images embedded (first problem: {first})");
            }

            var distances = emb.PairDistances([.. usable.Select(p => (p.A, p.B))]);
            var same = usable.Select(p => p.Same).ToArray();
            var result = VerificationScorer.Score(distances, same, protocol);
            results.Add(TargetSetResult.From(set.Name, set.Kind, set.Fingerprint, result, set.Group) with { DroppedPairs = dropped });
            var folds = KFold.Split(usable.Count, protocol.Folds);
            for (int f = 0, k = 0; f < folds.Length; f++)
            {
                for (var end = folds[f].Start + folds[f].Count; k < end; k++)
                    scores.Add(new ScoredPair(set.Name, usable[k].Id, set.Group, usable[k].Same, f, usable[k].IdentityA, usable[k].IdentityB, distances[k]));
            }

            if (dropped > 0) log.Warn($"{set.Name}: {dropped} of {set.Pairs.Count} pairs dropped (an image could not be embedded)");
            if (set.Kind == TargetSetKind.RfwGroup) rfw.Add((new GroupPairs(set.Group!, distances, same), result));
        }

        var plain = new EvalResult
        {
            Provenance = provenance.Finish(sets.Images.Count, "images"),
            Model = model,
            Protocol = EvalProtocolInfo.From(protocol, scoring.FmrTargets),
            Sets = results,
            Rfw = rfw.Count == 4 ? RfwFairness.Compute(rfw, scoring.FmrTargets) : null,
        };
        return (EvalEvidence.Attach(plain, scores, scoring.Bootstrap, protocol), scores);
    }

    /// <summary>The printed summary: one line per set with counts and interval, the RFW fairness lines, and why any TAR@FAR is n/a.</summary>
    public static string Table(EvalResult r)
    {
        var sb = new StringBuilder();
        var firstFar = r.Protocol.FarTargets.Count > 0 ? r.Protocol.FarTargets[0] : 1e-3;
        var tarHeader = $"TAR@FAR={EvidenceFormat.Target(firstFar)}";
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"set",-16} {"pairs (gen/imp)",19} {"ids",6} {"dropped",7} {"accuracy %",16} {"95% CI",16} {tarHeader,13} {"AUC",7}");
        var notes = new List<string>();
        foreach (var s in r.Sets)
        {
            var tar = s.TarAtFar.FirstOrDefault(t => Math.Abs(t.TargetFar - firstFar) < 1e-12);
            var tarText = tar?.Tar is { } t ? (100 * t).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            notes.AddRange(s.TarAtFar.Where(x => x.Tar is null).Select(x => $"  {s.Name}: TAR@FAR={EvidenceFormat.Target(x.TargetFar)} n/a ({x.NullReason})"));
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{s.Name,-16} {EvidenceFormat.PairCounts(s.GenuinePairs, s.ImpostorPairs),19} {(s.Identities is { } n ? n.ToString(CultureInfo.InvariantCulture) : "-"),6} {s.DroppedPairs,7} {100 * s.AccuracyMean,8:F2} ± {100 * s.AccuracyStd,5:F2} {EvidenceFormat.Interval(s.AccuracyInterval, 100),16} {tarText,13} {(s.Auc is { } a ? a.ToString("F4", CultureInfo.InvariantCulture) : "n/a"),7}");
        }

        if (r.Rfw is { } f)
        {
            string Ci(BootstrapInterval? i) => r.Protocol.Bootstrap is null ? "" : " " + EvidenceFormat.Interval(i);
            var groups = string.Join(", ", f.Groups.Select(g => string.Create(CultureInfo.InvariantCulture,
                $"{g.Group} {g.AccuracyPercent:F2}{Ci(g.Interval)} ({g.GenuinePairs + g.ImpostorPairs} pairs, {(g.Identities is { } n ? n.ToString(CultureInfo.InvariantCulture) : "-")} ids)")));
            var ser = f.Ser is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) + Ci(f.SerInterval) : "n/a (a group has no errors)";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"RFW: {groups}; average {f.Average:F2}{Ci(f.AverageInterval)}, STD {f.Std:F2}{Ci(f.StdInterval)}, SER {ser} ({EvidenceFormat.Bootstrap(r.Protocol.Bootstrap)})");
            foreach (var p in f.OperatingPoints) sb.AppendLine(OperatingPointLine(p));
        }

        if (notes.Count > 0) sb.AppendLine("n/a explained:").AppendJoin('\n', notes).AppendLine();
        return sb.ToString();
    }

    private static string OperatingPointLine(OperatingPoint p)
    {
        var head = $"RFW operating point FMR {EvidenceFormat.Target(p.TargetFmr)}";
        if (p.Result is not { } r) return $"{head}: n/a ({p.NullReason})";
        static string Ratio(double? x) => x is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        var fmr = string.Join(", ", r.Groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Group} {g.Fmr:G3} ({g.FalseMatches}/{g.ImpostorPairs})")));
        var fnmr = string.Join(", ", r.Groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Group} {g.Fnmr:G3} ({g.FalseNonMatches}/{g.GenuinePairs})")));
        var note = EvidenceFormat.OperatingPointNote(p);
        return string.Create(CultureInfo.InvariantCulture,
            $"{head}: threshold {r.Threshold:F4} (pooled FMR {r.PooledFar:G3} over {p.ImpostorPairs} impostor pairs); FMR {fmr}; FNMR {fnmr}; " +
            $"FMR max/min {Ratio(r.MaxMinFmrRatio)}, max/GM {Ratio(r.MaxGeoMeanFmrRatio)}; FNMR max/min {Ratio(r.MaxMinFnmrRatio)}, max/GM {Ratio(r.MaxGeoMeanFnmrRatio)}{(note is null ? "" : $" [{note}]")}");
    }
}
