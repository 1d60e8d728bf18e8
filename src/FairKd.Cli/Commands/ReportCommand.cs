using Cocona;
using FairKd.Cli.Help;
using FairKd.Core;
using FairKd.Stages.Report;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd report`: the study's tables (Markdown + CSV) and plots (PNG) from several runs' eval.json.</summary>
internal sealed class ReportCommand
{
    [Command("report", Description =
        "Assemble runs (each RUN_DIR holds eval.json, scores.csv and optionally run.json) into the RFW fairness table, the benchmark table, " +
        "the operating points (FMR/FNMR per group at one global threshold), per-run evidence (counts, identity-bootstrap intervals, TAR@FAR), " +
        "KD-vs-no-KD paired comparisons (runs with the same model, loss and data by run.json) and plots (group accuracy, DET and ROC per group, " +
        "accuracy vs SER), written to --out with report.md.\n" +
        "  run.json: {\"label\": \"r34-kd\", \"loss\": \"AdaFace\", \"model\": \"ResNet 34\", \"distillation\": true, \"data\": \"Synthetic\"} (all optional)\n" +
        "  example: fairkd report runs/r34-real runs/r34-kd-synth --out reports/study --reference reference/paper-results.md")]
    public Task<int> Report(
        [Argument(Description = "run folders, each with eval.json")] string[] runDirs,
        [Option("out", Description = "report folder (created)"), RequiredOption] string? output = null,
        [Option("reference", Description = "paper-results.md: adds published numbers for matching rows")] string? reference = null,
        [Option("bootstrap", Description = "identity-bootstrap resamples of the paired KD-vs-no-KD comparisons (0: differences without intervals)")] int bootstrap = 1000,
        [Option("seed", Description = "seed of the identity bootstrap (the same seed as the evaluations reproduces their intervals)")] long seed = 1,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        StageCall.RunAsync(verbose, () => new ReportOptions { EvalDirs = runDirs ?? [], OutDir = output, Reference = reference, Bootstrap = bootstrap, Seed = seed },
            RunAsync, CancellationToken.None);

    private static async Task<int> RunAsync(ReportOptions options, CancellationToken ct)
    {
        await ReportStage.RunAsync(options, ConsoleReporter.Instance, ct);
        return ExitCodes.Success;
    }
}
