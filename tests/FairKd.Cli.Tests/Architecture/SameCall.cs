using System.Text.Json;
using FairKd.Core.Pipeline;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// Runs a `fairkd` command line in process with the stage call captured (<see cref="StageCall.Capture"/>): the options
/// record the command builds from the arguments, without running the stage. Two records are the same call when their JSON
/// is equal (every property, lists compared element by element).
/// </summary>
internal static class SameCall
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The options record `fairkd <paramref name="args"/>` passes to its stage (the exit code must be 0).</summary>
    public static async Task<IStageOptions> ParseAsync(IReadOnlyList<string> args)
    {
        // Cocona reads and sets process-wide state (Environment.ExitCode): one command line at a time.
        await Gate.WaitAsync();
        try
        {
            IStageOptions? captured = null;
            using (StageCall.Capture(o => captured = o))
            {
                var app = FairKdApp.Build([.. args]);
                await app.RunAsync();
            }

            Assert.True(captured is not null, $"`fairkd {string.Join(' ', args)}` did not reach its stage (exit code {Environment.ExitCode})");
            Environment.ExitCode = 0;
            return captured;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The record as JSON, with its type: what "the same call" compares.</summary>
    public static string Json(IStageOptions options) =>
        options.GetType().FullName + " " + JsonSerializer.Serialize(options, options.GetType(), Indented);

    /// <summary>Asserts that the command line of <paramref name="options"/> parses back to an equal record.</summary>
    public static async Task AssertRoundTripAsync(IStageOptions options)
    {
        var parsed = await ParseAsync(options.ToArgs());
        Assert.Equal(Json(options), Json(parsed));
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
