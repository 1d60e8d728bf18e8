using System.Globalization;
using FairKd.Core.IO;

namespace FairKd.Core.Eval;

/// <summary>
/// One scored pair as scores.csv holds it.
/// </summary>
/// <param name="Set">Evaluation set name (e.g. RFW-African, lfw).</param>
/// <param name="PairId">0-based index of the pair in its list (pack); pairs dropped before scoring leave gaps.</param>
/// <param name="Group">RFW group, or null for other sets.</param>
/// <param name="Same">True for a genuine (same person) pair.</param>
/// <param name="Fold">Held-out fold of the pair in the 10-fold protocol (contiguous over the scored pairs).</param>
/// <param name="IdentityA">Identity of the first image (<see cref="PairIdentity"/>), or null when the set names none (.bin packs).</param>
/// <param name="IdentityB">Identity of the second image, or null.</param>
/// <param name="Distance">Squared L2 distance of the flip-fused, L2-normalised embeddings ("same" when below the threshold).</param>
public sealed record ScoredPair(string Set, int PairId, string? Group, bool Same, int Fold, string? IdentityA, string? IdentityB, double Distance);

/// <summary>
/// scores.csv (RFC 4180, UTF-8, '\n' line ends): every scored pair of a `fairkd eval` run, so a reviewer can recompute
/// every number. Columns: <c>set,pair_id,group,label,fold,identity_a,identity_b,distance</c>; label 1 = same person,
/// 0 = different; group and identities empty where unknown; distance in round-trip precision.
/// </summary>
public static class ScoresCsv
{
    /// <summary>The file name in an eval output folder.</summary>
    public const string FileName = "scores.csv";

    /// <summary>The header line's fields.</summary>
    public static readonly IReadOnlyList<string> Header = ["set", "pair_id", "group", "label", "fold", "identity_a", "identity_b", "distance"];

    /// <summary>Writes <paramref name="pairs"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IEnumerable<ScoredPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, Csv.Utf8, 1 << 16, leaveOpen: true) { NewLine = "\n" };
            Csv.WriteRecord(w, [.. Header]);
            foreach (var p in pairs)
            {
                Csv.WriteRecord(w, p.Set, p.PairId.ToString(CultureInfo.InvariantCulture), p.Group, p.Same ? "1" : "0",
                    p.Fold.ToString(CultureInfo.InvariantCulture), p.IdentityA, p.IdentityB, p.Distance.ToString("R", CultureInfo.InvariantCulture));
            }
        });
    }

    /// <summary>Reads a scores.csv; a wrong header or a malformed row throws <see cref="InvalidDataException"/> naming file and line.</summary>
    public static IReadOnlyList<ScoredPair> Read(string path)
    {
        using var reader = new StreamReader(path, Csv.Utf8);
        var result = new List<ScoredPair>();
        var first = true;
        foreach (var r in Csv.Read(reader))
        {
            if (r.Error is not null) throw new InvalidDataException($"{path}:{r.Line}: {r.Error}");
            if (first)
            {
                first = false;
                if (!r.Fields.SequenceEqual(Header))
                    throw new InvalidDataException($"{path}:{r.Line}: header is not '{string.Join(',', Header)}' (not a FairKd scores.csv?)");
                continue;
            }

            result.Add(Parse(path, r));
        }

        return first ? throw new InvalidDataException($"{path}: empty file (not a FairKd scores.csv?)") : result;
    }

    private static ScoredPair Parse(string path, CsvRecord r)
    {
        var f = r.Fields;
        if (f.Count != Header.Count) throw new InvalidDataException($"{path}:{r.Line}: {f.Count} fields, expected {Header.Count}");
        if (!int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var fold)
            || f[3] is not ("0" or "1")
            || !double.TryParse(f[7], NumberStyles.Float, CultureInfo.InvariantCulture, out var distance) || !double.IsFinite(distance))
            throw new InvalidDataException($"{path}:{r.Line}: pair_id and fold must be non-negative integers, label 0 or 1, distance a finite number");
        if (f[0].Length == 0 || (f[5].Length == 0) != (f[6].Length == 0))
            throw new InvalidDataException($"{path}:{r.Line}: set is empty, or only one of identity_a and identity_b is given");
        return new ScoredPair(f[0], id, Empty(f[2]), f[3] == "1", fold, Empty(f[5]), Empty(f[6]), distance);
    }

    private static string? Empty(string s) => s.Length == 0 ? null : s;
}
