using FairKd.Core.Pipeline;
using FairKd.Core.Report;

namespace FairKd.Core.Run;

/// <summary>Kinds of pipeline steps, in the order they run.</summary>
public enum StepStage
{
    /// <summary><c>fairkd demo-data</c>.</summary>
    Data,

    /// <summary><c>fairkd train</c> of a teacher.</summary>
    Teacher,

    /// <summary><c>fairkd train --target group</c>: the ethnicity classifier.</summary>
    Ethnicity,

    /// <summary><c>fairkd embed</c>: a teacher cache.</summary>
    Embed,

    /// <summary><c>fairkd manifest build</c>.</summary>
    Manifest,

    /// <summary><c>fairkd train</c> of a student.</summary>
    Student,

    /// <summary><c>fairkd eval</c>.</summary>
    Eval,

    /// <summary><c>fairkd report</c>.</summary>
    Report,
}

/// <summary>
/// One step of a plan: the options record of the stage that performs it (run as the <c>fairkd</c> command line
/// <see cref="Args"/>, the record's own <see cref="IStageOptions.ToArgs"/>), where it writes, what it depends on and how much
/// work it is.
/// </summary>
/// <param name="Id">Unique id, <c>stage/name</c> (e.g. <c>student/r34-adaface-mix-kd</c>).</param>
/// <param name="Stage">Kind of step.</param>
/// <param name="Options">The stage's options record: what `fairkd` builds from <see cref="Args"/>.</param>
/// <param name="OutDir">Folder the step writes.</param>
/// <param name="DependsOn">Ids of steps whose outputs this one reads.</param>
/// <param name="ExternalFiles">Files outside the pipeline the step reads (their SHA-256 enters the step's hash).</param>
/// <param name="ExternalDirs">Folders outside the pipeline the step reads (their path enters the hash: datasets are treated as immutable).</param>
/// <param name="WorkImages">Images processed (x epochs for training), for cost estimates.</param>
/// <param name="RateKeys">Keys of <see cref="PipelineDocument.Rates"/> to try, most specific first.</param>
/// <param name="Label">Report label written as run.json next to an eval step's eval.json.</param>
/// <param name="TrainedModel">What a training step trains (teacher, student, classifier), for the plan's model list.</param>
public sealed record PlannedStep(
    string Id,
    StepStage Stage,
    IStageOptions Options,
    string OutDir,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<string> ExternalFiles,
    IReadOnlyList<string> ExternalDirs,
    double WorkImages,
    IReadOnlyList<string> RateKeys,
    RunLabel? Label = null,
    string? TrainedModel = null)
{
    /// <summary>Arguments of the <c>fairkd</c> child process: <see cref="Options"/>' command line.</summary>
    public IReadOnlyList<string> Args => Options.ToArgs();

    /// <summary>True for steps that produce a model by training.</summary>
    public bool Trains => Stage is StepStage.Teacher or StepStage.Ethnicity or StepStage.Student;

    /// <summary>The step's command line, quoted for a POSIX shell.</summary>
    public string CommandLine => "fairkd " + string.Join(' ', Args.Select(ShellQuote));

    private static string ShellQuote(string a) =>
        a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%".Contains(c, StringComparison.Ordinal)) ? a : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
