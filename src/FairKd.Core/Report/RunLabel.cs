using System.Text.Json;
using System.Text.Json.Serialization;
using FairKd.Core.Eval;

namespace FairKd.Core.Report;

/// <summary>
/// run.json: how a run is labelled in the report tables. Tiny schema, every field optional:
/// <code>{ "schemaVersion": 1, "label": "r34-kd-synth", "loss": "AdaFace", "model": "ResNet 34", "distillation": true, "data": "Synthetic" }</code>
/// <c>label</c> names the row (default: the run folder's name); <c>model</c> and <c>data</c> use the paper's words where they
/// exist (ResNet 34 / r34, MobileFaceNet / mbf; Real, Synthetic, Mix, DCFace, ...) so rows can be matched to published
/// numbers. A run without run.json is labelled by its folder name only.
/// </summary>
public sealed record RunLabel(string? Label = null, string? Loss = null, string? Model = null, bool? Distillation = null, string? Data = null)
{
    /// <summary>Schema version of run.json.</summary>
    public int SchemaVersion { get; init; } = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads run.json from <paramref name="runDir"/>, or returns an empty label when there is none.</summary>
    public static RunLabel ReadOrDefault(string runDir)
    {
        var path = Path.Combine(runDir, "run.json");
        if (!File.Exists(path)) return new RunLabel();
        try
        {
            var label = JsonSerializer.Deserialize<RunLabel>(File.ReadAllText(path), Json) ?? new RunLabel();
            return label.SchemaVersion == 1 ? label : throw new InvalidDataException($"{path}: run.json schemaVersion {label.SchemaVersion} is not 1");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: malformed run.json ({ex.Message})", ex);
        }
    }

    /// <summary>Writes run.json into <paramref name="runDir"/> atomically.</summary>
    public void Write(string runDir)
    {
        IO.AtomicFile.WriteAllText(Path.Combine(runDir, "run.json"), JsonSerializer.Serialize(this, Json) + "\n");
    }
}

/// <summary>One run in a report: its display name, label and eval.json.</summary>
public sealed record ReportRun(string Name, RunLabel Label, EvalResult Eval)
{
    /// <summary>The run's scores.csv (per-pair distances, identities and folds), or null when the folder has none (schema-1 evaluations).</summary>
    public string? ScoresFile { get; init; }

    /// <summary>Loads RUN_DIR/eval.json (required) and RUN_DIR/run.json (optional).</summary>
    /// <exception cref="UsageException">The folder or its eval.json does not exist.</exception>
    public static ReportRun Load(string runDir)
    {
        if (!Directory.Exists(runDir)) throw new UsageException($"run folder {runDir} does not exist");
        var evalPath = Path.Combine(runDir, "eval.json");
        if (!File.Exists(evalPath)) throw new UsageException($"{runDir} has no eval.json (run `fairkd eval ... --out {runDir}` first)");
        var label = RunLabel.ReadOrDefault(runDir);
        var name = label.Label ?? new DirectoryInfo(Path.GetFullPath(runDir)).Name;
        var scores = Path.Combine(runDir, ScoresCsv.FileName);
        return new ReportRun(name, label, EvalJson.Read(evalPath)) { ScoresFile = File.Exists(scores) ? Path.GetFullPath(scores) : null };
    }
}
