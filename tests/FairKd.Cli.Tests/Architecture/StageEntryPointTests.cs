using System.Reflection;
using FairKd.Core.Pipeline;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// One name per stage (issue 14): for each stage verb there is a public <c>XxxStage</c> in the stage's folder of the
/// lowest library that can hold it (FairKd.Data, FairKd.Torch, or FairKd.Stages where the two meet), with a public options
/// record <c>XxxOptions</c> beside it that is an <see cref="IStageOptions"/> whose command line starts with the verb, and the
/// entry point <c>public static Task&lt;TResult&gt; RunAsync(XxxOptions, StageReporter?, CancellationToken)</c>.
/// </summary>
public sealed class StageEntryPointTests
{
    /// <summary>Verb, the stage's namespace (project and folder) and its name.</summary>
    public static TheoryData<string, string, string> Stages => new()
    {
        { "ingest", "FairKd.Data.Ingest", "Ingest" },
        { "embed", "FairKd.Stages.Embed", "Embed" },
        { "manifest", "FairKd.Data.Manifest", "Manifest" },
        { "train", "FairKd.Stages.Train", "Train" },
        { "eval", "FairKd.Stages.Eval", "Eval" },
        { "report", "FairKd.Stages.Report", "Report" },
        { "export", "FairKd.Stages.Export", "Export" },
    };

    private static readonly string[] Libraries = ["FairKd.Data", "FairKd.Torch", "FairKd.Stages"];

    [Theory]
    [MemberData(nameof(Stages))]
    public void Every_stage_has_its_options_record_and_entry_point(string verb, string ns, string name)
    {
        var problems = Problems(verb, ns, name);
        Assert.True(problems.Count == 0, $"stage {verb}: {string.Join("; ", problems)}");
    }

    [Fact]
    public void The_check_finds_a_missing_entry_point()
    {
        // The training stage's internal wiring class is not a stage: no public XxxStage/XxxOptions of that name.
        Assert.NotEmpty(Problems("train", "FairKd.Stages.Train", "TrainRun"));
        // A stage in the wrong folder is not found either.
        Assert.NotEmpty(Problems("ingest", "FairKd.Data.Manifest", "Ingest"));
    }

    private static List<string> Problems(string verb, string ns, string name)
    {
        var problems = new List<string>();
        var types = Libraries.SelectMany(a => Assembly.Load(new AssemblyName(a)).GetExportedTypes()).ToList();
        var stage = types.SingleOrDefault(t => t.FullName == $"{ns}.{name}Stage");
        var options = types.SingleOrDefault(t => t.FullName == $"{ns}.{name}Options");
        if (stage is null) problems.Add($"no public {ns}.{name}Stage in {string.Join(", ", Libraries)}");
        if (options is null) problems.Add($"no public {ns}.{name}Options beside it");
        if (stage is null || options is null) return problems;
        if (!typeof(IStageOptions).IsAssignableFrom(options)) problems.Add($"{options.Name} is not an {nameof(IStageOptions)}");
        else if (options.GetConstructor(Type.EmptyTypes) is { } ctor && ((IStageOptions)ctor.Invoke(null)).ToArgs() is var args && (args.Count == 0 || args[0] != verb))
            problems.Add($"{options.Name}.ToArgs() does not start with the verb {verb}");
        var entry = stage.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name == "RunAsync").FirstOrDefault(m =>
            m.GetParameters().Select(p => p.ParameterType).SequenceEqual([options, typeof(StageReporter), typeof(CancellationToken)])
            && m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(Task<>));
        if (entry is null) problems.Add($"no public static Task<T> {stage.Name}.RunAsync({options.Name}, StageReporter?, CancellationToken)");
        return problems;
    }
}
