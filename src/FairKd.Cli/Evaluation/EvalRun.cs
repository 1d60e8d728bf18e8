using System.Globalization;
using System.Text;
using FairKd.Core;
using FairKd.Core.Evaluation;

namespace FairKd.Cli.Evaluation;

/// <summary>Scores every set (pairs whose images failed are dropped and counted), the RFW fairness block, eval.json and the printed table.</summary>
internal static class EvalRun
{
    public const string FileName = "eval.json";

    public static EvalResult Score(EvalSets sets, FusedEmbeddings emb, EvalModelInfo model, VerificationProtocol protocol)
    {
        var results = new List<TargetSetResult>();
        var rfw = new List<(GroupPairs Pairs, VerificationResult Result)>();
        foreach (var set in sets.Sets)
        {
            var usable = set.Pairs.Where(p => emb.Ok(p.A) && emb.Ok(p.B)).ToList();
            var dropped = set.Pairs.Count - usable.Count;
            if (usable.Count < protocol.Folds)
            {
                var first = set.Pairs.Select(p => emb.Ok(p.A) ? p.B : p.A).Select(i => emb.Problems[i]).FirstOrDefault(x => x is not null);
                throw new InvalidOperationException($"set {set.Name}: only {usable.Count} of {set.Pairs.Count} pairs have both images embedded (first problem: {first})");
            }

            var rows = new float[usable.Count * 2 * emb.Dim];
            for (var k = 0; k < usable.Count; k++)
            {
                emb.Row(usable[k].A).CopyTo(rows.AsSpan(2 * k * emb.Dim, emb.Dim));
                emb.Row(usable[k].B).CopyTo(rows.AsSpan(((2 * k) + 1) * emb.Dim, emb.Dim));
            }

            var distances = VerificationScorer.PairDistances(rows, emb.Dim);
            var same = usable.Select(p => p.Same).ToArray();
            var result = VerificationScorer.Score(distances, same, protocol);
            results.Add(TargetSetResult.From(set.Name, set.Kind, set.Fingerprint, result, set.Group) with { DroppedPairs = dropped });
            if (dropped > 0) Console.Error.WriteLine($"warning: {set.Name}: {dropped} of {set.Pairs.Count} pairs dropped (an image could not be embedded)");
            if (set.Kind == TargetSetKind.RfwGroup) rfw.Add((new GroupPairs(set.Group!, distances, same), result));
        }

        return new EvalResult
        {
            Model = model,
            Protocol = EvalProtocolInfo.From(protocol),
            Sets = results,
            Rfw = rfw.Count == 4 ? RfwFairness.Compute(rfw, 1e-3, protocol) : null,
        };
    }

    public static string Table(EvalResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"set",-16} {"pairs",6} {"dropped",7} {"accuracy %",16} {"TAR@FAR=1e-3",13} {"AUC",7}");
        foreach (var s in r.Sets)
        {
            var tar = s.TarAtFar.FirstOrDefault(t => Math.Abs(t.TargetFar - 1e-3) < 1e-12)?.Tar;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{s.Name,-16} {s.Pairs,6} {s.DroppedPairs,7} {100 * s.AccuracyMean,8:F2} ± {100 * s.AccuracyStd,5:F2} {(tar is { } t ? (100 * t).ToString("F2", CultureInfo.InvariantCulture) : "n/a"),13} {(s.Auc is { } a ? a.ToString("F4", CultureInfo.InvariantCulture) : "n/a"),7}");
        }

        if (r.Rfw is { } f)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"RFW: {string.Join(", ", f.Groups.Select(g => $"{g.Group} {g.AccuracyPercent:F2}"))}; average {f.Average:F2}, STD {f.Std:F2}, SER {(f.Ser is { } ser ? ser.ToString("F2", CultureInfo.InvariantCulture) : "n/a (a group has no errors)")}");
            sb.AppendLine(f.Fmr is { } fmr
                ? string.Create(CultureInfo.InvariantCulture,
                    $"RFW FMR at one threshold ({fmr.Threshold:F3}, pooled FAR {fmr.PooledFar:G3}): {string.Join(", ", fmr.Groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Group} {g.Fmr:G3}")))}; max/min {(fmr.MaxMinFmrRatio is { } q ? q.ToString("F2", CultureInfo.InvariantCulture) : "n/a (a group has no false matches)")}")
                : "RFW FMR at one threshold: n/a (too few impostor pairs for the target FAR)");
        }

        return sb.ToString();
    }
}
