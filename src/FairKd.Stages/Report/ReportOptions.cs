using System.Globalization;
using FairKd.Core.Pipeline;

namespace FairKd.Stages.Report;

/// <summary>
/// Options of the report stage (<see cref="ReportStage"/>): the study's tables, evidence, KD-vs-no-KD comparisons and plots
/// from several eval folders, as `fairkd report` takes them (the folders are its positional arguments), with the command's
/// defaults, so the command, a pipeline step and a library caller build the same record.
/// </summary>
public sealed record ReportOptions : IStageOptions
{
    /// <summary>The eval folders, each with eval.json (and optionally scores.csv and run.json), in report order. At least one.</summary>
    public IReadOnlyList<string> EvalDirs { get; init; } = [];

    /// <summary>Report folder (created). Required by <see cref="ReportStage"/>.</summary>
    public string? OutDir { get; init; }

    /// <summary>paper-results.md: adds published numbers for matching rows (null: none).</summary>
    public string? Reference { get; init; }

    /// <summary>Identity-bootstrap resamples of the paired KD-vs-no-KD comparisons (0: differences without intervals). Default 1,000.</summary>
    public int Bootstrap { get; init; } = 1000;

    /// <summary>Seed of the identity bootstrap (non-negative; the evaluations' seed reproduces their intervals). Default 1.</summary>
    public long Seed { get; init; } = 1;

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string>();
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (Reference is not null) a.AddRange(["--reference", Reference]);
        if (Bootstrap != 1000) a.AddRange(["--bootstrap", Bootstrap.ToString(CultureInfo.InvariantCulture)]);
        if (Seed != 1) a.AddRange(["--seed", Seed.ToString(CultureInfo.InvariantCulture)]);
        return StageArgs.With(["report"], EvalDirs, a);
    }
}
