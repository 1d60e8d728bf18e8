namespace FairKd.Core.Pipeline;

/// <summary>
/// The options record of a stage (ingest, embed, manifest, train, eval, report, export): every value the stage takes, as
/// the command line gives it, with the command line's defaults. The `fairkd` command parses its flags into this record and
/// calls the stage; `fairkd run` builds the same record and runs <see cref="ToArgs"/> as a `fairkd` child process, so a
/// pipeline step and a command line with the same values are the same call (tests/FairKd.Cli.Tests/Architecture/SameCallTests.cs).
/// </summary>
public interface IStageOptions
{
    /// <summary>The `fairkd` arguments (verb first, then only the options that differ from their defaults) that the command
    /// parses back into a record equal to this one.</summary>
    IReadOnlyList<string> ToArgs();
}

/// <summary>Builds a command line with positional arguments (a recipe, run folders) the way the parser reads them back.</summary>
public static class StageArgs
{
    /// <summary>
    /// <paramref name="verb"/>, then the positionals and the options; when a positional begins with '-' (a folder named
    /// <c>-x</c>, which the parser would read as an option), the options come first and the positionals after <c>--</c>.
    /// </summary>
    public static IReadOnlyList<string> With(IReadOnlyList<string> verb, IEnumerable<string?> positionals, IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(verb);
        ArgumentNullException.ThrowIfNull(options);
        var given = positionals.OfType<string>().ToList();
        return given.Any(p => p.StartsWith('-'))
            ? [.. verb, .. options, "--", .. given]
            : [.. verb, .. given, .. options];
    }
}
