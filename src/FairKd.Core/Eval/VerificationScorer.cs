namespace FairKd.Core.Eval;

/// <summary>
/// The InsightFace verification protocol (arcface_torch eval/verification.py) on pair distances.
/// <list type="bullet">
/// <item>Distance: squared L2 between L2-normalised (f(x) + f(flip x)) embeddings (<see cref="PairDistances"/>), in double.</item>
/// <item>Accuracy: thresholds i * 0.01 (i &lt; 400); a pair is "same" when distance &lt; threshold; contiguous folds
/// (<see cref="KFold"/>); per fold the threshold with the best accuracy on the other folds (first on ties, numpy argmax)
/// is applied to the held-out fold; mean and population std (ddof 0) over folds.</item>
/// <item>TAR@FAR: see <see cref="TarAtFarCalculator"/>. AUC and ROC: see <see cref="RocCurve"/>.</item>
/// </list>
/// Speed: each pair is binned once by binary search over the threshold grid; per-fold histograms and prefix sums
/// then give every threshold's counts, so the cost is O(N log T + folds x T) rather than O(N x T x folds).
/// </summary>
public static class VerificationScorer
{
    /// <summary>Scores pair distances (pair k = distances[k], issame[k]) with <paramref name="protocol"/> (default: the InsightFace one).</summary>
    /// <exception cref="ArgumentException">Lengths differ, a distance is NaN, or there are fewer pairs than folds.</exception>
    public static VerificationResult Score(ReadOnlySpan<double> distances, ReadOnlySpan<bool> issame, VerificationProtocol? protocol = null)
    {
        protocol ??= VerificationProtocol.Default;
        protocol.Validate();
        if (distances.Length != issame.Length)
            throw new ArgumentException($"{distances.Length} distances but {issame.Length} issame flags");
        for (var i = 0; i < distances.Length; i++)
            if (double.IsNaN(distances[i])) throw new ArgumentException($"distance of pair {i} is NaN");
        var folds = KFold.Split(distances.Length, protocol.Folds);

        var genuine = 0;
        foreach (var s in issame) genuine += s ? 1 : 0;
        var impostor = distances.Length - genuine;

        var accuracy = FoldCounts.Build(distances, issame, folds, protocol.ThresholdCount, protocol.ThresholdStep);
        var foldResults = new FoldResult[folds.Length];
        for (var f = 0; f < folds.Length; f++) foldResults[f] = BestThresholdFold(accuracy, f, folds[f], protocol);

        var accs = foldResults.Select(r => r.TestAccuracy).ToArray();
        var (mean, std) = MeanStd(accs);

        var tars = TarAtFarCalculator.Compute(distances, issame, folds, protocol);
        var (auc, roc) = RocCurve.Compute(distances, issame, protocol.RocPoints);
        return new VerificationResult(distances.Length, genuine, impostor, mean, std, foldResults, tars, auc, roc);
    }

    /// <summary>Embeds pairs already combined per image and scores them: <paramref name="embeddings"/> holds 2N rows of
    /// <paramref name="dim"/> floats (f(x) + f(flip x), not normalised), pair k = rows 2k and 2k+1.</summary>
    public static VerificationResult ScoreEmbeddings(ReadOnlySpan<float> embeddings, int dim, ReadOnlySpan<bool> issame, VerificationProtocol? protocol = null)
        => Score(PairDistances(embeddings, dim), issame, protocol);

    /// <summary>
    /// Squared L2 distances of consecutive row pairs after L2-normalising every row (sklearn normalize: a zero row stays
    /// zero). Rows are f(x) + f(flip x) (see <see cref="CombineFlip"/>). Computed in double.
    /// </summary>
    public static double[] PairDistances(ReadOnlySpan<float> embeddings, int dim)
    {
        if (dim < 1) throw new ArgumentException($"dim must be >= 1 (got {dim})", nameof(dim));
        if (embeddings.Length % (2 * dim) != 0)
            throw new ArgumentException($"{embeddings.Length} floats is not a whole number of {dim}-d image pairs");
        var pairs = embeddings.Length / (2 * dim);
        var result = new double[pairs];
        for (var k = 0; k < pairs; k++)
        {
            var a = embeddings.Slice(2 * k * dim, dim);
            var b = embeddings.Slice((2 * k + 1) * dim, dim);
            var ia = InverseNorm(a);
            var ib = InverseNorm(b);
            double sum = 0;
            for (var i = 0; i < dim; i++)
            {
                var d = a[i] * ia - b[i] * ib;
                sum += d * d;
            }

            result[k] = sum;
        }

        return result;
    }

    /// <summary>Writes plain + flipped (element-wise) into <paramref name="destination"/>: the InsightFace test-time flip fusion.</summary>
    public static void CombineFlip(ReadOnlySpan<float> plain, ReadOnlySpan<float> flipped, Span<float> destination)
    {
        if (plain.Length != flipped.Length || destination.Length < plain.Length)
            throw new ArgumentException("plain, flipped and destination lengths differ");
        for (var i = 0; i < plain.Length; i++) destination[i] = plain[i] + flipped[i];
    }

    /// <summary>Mean and population standard deviation (numpy mean/std, ddof 0).</summary>
    public static (double Mean, double Std) MeanStd(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("no values");
        double sum = 0;
        foreach (var v in values) sum += v;
        var mean = sum / values.Length;
        double sq = 0;
        foreach (var v in values) sq += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(sq / values.Length));
    }

    private static double InverseNorm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (var x in v) s += (double)x * x;
        return s > 0 ? 1 / Math.Sqrt(s) : 1;
    }

    private static FoldResult BestThresholdFold(FoldCounts c, int fold, (int Start, int Count) test, VerificationProtocol protocol)
    {
        var trainPairs = c.TotalPairs - test.Count;
        var trainImpostors = c.TotalImpostors - c.Impostors[fold];
        long bestCorrect = -1;
        var best = 0;
        for (var i = 0; i < c.Thresholds; i++)
        {
            var tp = c.TotalGenuineAccepted(i) - c.GenuineAccepted(fold, i);
            var fp = c.TotalImpostorAccepted(i) - c.ImpostorAccepted(fold, i);
            long correct = tp + (trainImpostors - fp);
            if (correct > bestCorrect)
            {
                bestCorrect = correct;
                best = i;
            }
        }

        var testCorrect = c.GenuineAccepted(fold, best) + (c.Impostors[fold] - c.ImpostorAccepted(fold, best));
        return new FoldResult(fold, test.Start, test.Count, protocol.Threshold(best),
            trainPairs == 0 ? 0 : (double)bestCorrect / trainPairs, (double)testCorrect / test.Count);
    }
}
