using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FairKd.Core.Eval;

namespace FairKd.Benchmarks;

/// <summary>
/// `eval` suite: time of <see cref="VerificationScorer.Score"/> on 6,000 RFW-like pairs (accuracy over 400 thresholds x
/// 10 folds, TAR@FAR over 4000 thresholds x 10 folds for two targets, AUC and the ROC curve). Median of repeated runs after
/// warm-up; writes results/eval.md beside this project.
/// </summary>
internal static class EvalBenchmark
{
    private const int Pairs = 6000;
    private const int Warmup = 10;
    private const int Runs = 41;

    public static int Run()
    {
        var (distances, issame) = RfwLikePairs(Pairs, seed: 20240517);
        for (var i = 0; i < Warmup; i++) VerificationScorer.Score(distances, issame);

        var times = new double[Runs];
        VerificationResult? last = null;
        for (var i = 0; i < Runs; i++)
        {
            var sw = Stopwatch.StartNew();
            last = VerificationScorer.Score(distances, issame);
            times[i] = sw.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        var median = times[Runs / 2];
        var text = new StringBuilder()
            .Append("# Evaluation scoring benchmark\n\n")
            .Append("`make bench` (suite `eval`, src/FairKd.Benchmarks/EvalBenchmark.cs). VerificationScorer.Score on ")
            .Append(CultureInfo.InvariantCulture, $"{Pairs:N0} RFW-like pairs (10 folds of 300 genuine + 300 impostor): accuracy over 400 thresholds x 10 folds, ")
            .Append("TAR@FAR 1e-3 and 1e-4 over 4000 thresholds x 10 folds, AUC and the compact ROC. Target: <= 50 ms.\n\n")
            .Append("| pairs | runs | median (ms) | min (ms) | max (ms) | accuracy | TAR@FAR=1e-3 |\n|---:|---:|---:|---:|---:|---:|---:|\n")
            .Append(CultureInfo.InvariantCulture, $"| {Pairs} | {Runs} | {median:F2} | {times[0]:F2} | {times[^1]:F2} | {last!.AccuracyMean:F4} | {last.TarAtFar[0].Tar:F4} |\n\n")
            .Append(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, ")
            .Append(CultureInfo.InvariantCulture, $"{RuntimeInformation.ProcessArchitecture}; single thread, {Warmup} warm-up runs.\n")
            .ToString();
        Console.Write(text);
        WriteResult(text);
        return median <= 50 ? 0 : 1;
    }

    private static (double[] Distances, bool[] IsSame) RfwLikePairs(int n, int seed)
    {
        var rng = new Random(seed);
        var d = new double[n];
        var s = new bool[n];
        for (var i = 0; i < n; i++)
        {
            s[i] = i % 600 < 300;
            var z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            d[i] = Math.Clamp((s[i] ? 0.95 : 1.65) + 0.25 * z, 0, 3.999);
        }

        return (d, s);
    }

    /// <summary>Writes the scoring part of results/eval.md, keeping the embedding-throughput section of the eval-embed suite.</summary>
    private static void WriteResult(string text) => EvalResultsFile.WriteHead(text);
}
