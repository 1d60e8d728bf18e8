using FairKd.Core.Pipeline;

namespace FairKd.Cli;

/// <summary>
/// How every stage command ends: parse its flags into the stage's options record (a mistake is a usage error, exit 2),
/// then call the stage with that record, under <see cref="CommandGuard"/>. A test can <see cref="Capture"/> the record a
/// command line builds instead of running the stage: that is how a pipeline step and a command line are proven to be the
/// same call.
/// </summary>
internal static class StageCall
{
    private static readonly AsyncLocal<Action<IStageOptions>?> Sink = new();

    /// <summary>Parses with <paramref name="parse"/> and runs <paramref name="run"/> on the record it builds.</summary>
    public static Task<int> RunAsync<T>(bool verbose, Func<T> parse, Func<T, CancellationToken, Task<int>> run, CancellationToken ct)
        where T : IStageOptions =>
        CommandGuard.RunAsync(verbose, async token =>
        {
            var options = parse();
            if (Sink.Value is { } sink)
            {
                sink(options);
                return Core.ExitCodes.Success;
            }

            return await run(options, token);
        }, ct);

    /// <summary>For tests: until the returned scope is disposed, commands on this async flow hand their options record to
    /// <paramref name="sink"/> and return 0 without running their stage.</summary>
    public static IDisposable Capture(Action<IStageOptions> sink)
    {
        Sink.Value = sink;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => Sink.Value = null;
    }
}
