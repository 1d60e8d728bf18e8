using System.Text.Json;
using System.Text.Json.Serialization;

namespace FairKd.Core.Run;

/// <summary>
/// The run state of one step, <c>OUT/.fairkd/steps/&lt;id&gt;.json</c> (schema 1): <c>started</c> when its command began,
/// <c>done</c> when it exited 0. A step is up to date when its state is <c>done</c> with the hash the plan computes now.
/// </summary>
/// <param name="Id">Step id.</param>
/// <param name="Hash">Hash of the step's resolved arguments, its inputs and its dependencies' hashes.</param>
/// <param name="Status"><c>started</c> or <c>done</c>.</param>
/// <param name="Command">The command line that ran.</param>
/// <param name="StartedAt">UTC start.</param>
/// <param name="FinishedAt">UTC end (done only).</param>
/// <param name="Seconds">Wall seconds (done only).</param>
public sealed record StepState(string Id, string Hash, string Status, string Command, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt = null, double? Seconds = null)
{
    /// <summary>Schema version of the state file.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>Value of <see cref="Status"/> while the command runs (or after it was killed).</summary>
    public const string Started = "started";

    /// <summary>Value of <see cref="Status"/> after the command exited 0.</summary>
    public const string Done = "done";
}

/// <summary>Reads and atomically writes <see cref="StepState"/> files under <c>OUT/.fairkd/steps</c>.</summary>
public sealed class StepStateStore(string pipelineOut)
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Folder of the state files.</summary>
    public string Dir { get; } = Path.Combine(pipelineOut, ".fairkd", "steps");

    /// <summary>Folder of the per-step logs.</summary>
    public string LogDir { get; } = Path.Combine(pipelineOut, ".fairkd", "logs");

    /// <summary>File name for a step id ('/' becomes '~').</summary>
    public static string FileStem(string id) => id.Replace('/', '~');

    /// <summary>The state of <paramref name="id"/>, or null when it never started (or its file is unreadable: then it reruns).</summary>
    public StepState? Read(string id)
    {
        var path = Path.Combine(Dir, FileStem(id) + ".json");
        if (!File.Exists(path)) return null;
        try
        {
            var s = JsonSerializer.Deserialize<StepState>(File.ReadAllText(path), Json);
            return s is { SchemaVersion: 1 } && s.Id == id ? s : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="state"/> atomically (<see cref="IO.AtomicFile"/>).</summary>
    public void Write(StepState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(Dir);
        IO.AtomicFile.WriteAllText(Path.Combine(Dir, FileStem(state.Id) + ".json"), JsonSerializer.Serialize(state, Json) + "\n");
    }
}
