using FairKd.Core;
using FairKd.Core.Eval;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Core.Report;

namespace FairKd.Stages.Report;

/// <summary>What a report run wrote.</summary>
/// <param name="OutDir">The report folder.</param>
/// <param name="ReportFile">OUT/report.md, which embeds the tables and plots.</param>
/// <param name="Runs">Eval folders reported.</param>
/// <param name="Files">Every file written (tables, CSV, evidence, plots, report.md), in the order written.</param>
public sealed record ReportResult(string OutDir, string ReportFile, int Runs, IReadOnlyList<string> Files);

/// <summary>
/// The report stage: several eval folders assembled into the RFW fairness table, the benchmark table, the operating points,
/// per-run evidence, KD-vs-no-KD paired comparisons and plots, with report.md embedding them (<see cref="ReportWriter"/>).
/// `fairkd report` is parse -> options -> this -> exit code. <see cref="Prepare"/> checks the options and reads every
/// eval.json (and the reference) before anything is written: a mistake is a <see cref="UsageException"/> naming the option.
/// </summary>
public sealed class ReportStage
{
    private readonly string _outDir;
    private readonly IReadOnlyList<ReportRun> _runs;
    private readonly PublishedResults? _published;
    private readonly BootstrapOptions _bootstrap;

    private ReportStage(string outDir, IReadOnlyList<ReportRun> runs, PublishedResults? published, BootstrapOptions bootstrap)
    {
        _outDir = outDir;
        _runs = runs;
        _published = published;
        _bootstrap = bootstrap;
    }

    /// <summary>Checks <paramref name="options"/> and reads the reference and every eval folder; throws <see cref="UsageException"/>
    /// naming the option to fix.</summary>
    public static ReportStage Prepare(ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EvalDirs.Count == 0) throw new UsageException("give at least one RUN_DIR");
        if (string.IsNullOrWhiteSpace(options.OutDir)) throw new UsageException("--out DIR is required");
        if (options.Seed < 0) throw new UsageException($"--seed must be a non-negative integer (got {options.Seed})");
        var bootstrap = new BootstrapOptions { Resamples = options.Bootstrap, Seed = (ulong)options.Seed };
        bootstrap.Validate();
        var published = options.Reference is null ? null : PublishedResults.Load(options.Reference);
        var runs = options.EvalDirs.Select(ReportRun.Load).ToList();
        return new ReportStage(options.OutDir, runs, published, bootstrap);
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    public static Task<ReportResult> RunAsync(ReportOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options).RunAsync(reporter, ct);

    /// <summary>Writes the report folder; its closing line goes to <paramref name="reporter"/> (null: none).</summary>
    public Task<ReportResult> RunAsync(StageReporter? reporter, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var folder = RunFolder.Acquire(_outDir, "report");
        var files = ReportWriter.Write(_runs, _outDir, _published, _bootstrap);
        var report = Path.Combine(_outDir, "report.md");
        (reporter ?? StageReporter.Silent).Info($"report: {_runs.Count} runs -> {report} ({files.Count} files)");
        return Task.FromResult(new ReportResult(_outDir, report, _runs.Count, files));
    }
}
