using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FairKd.Core.Run;

/// <summary>Where a step stands before a run.</summary>
public enum StepStatus
{
    /// <summary>Done with the same hash, and every dependency up to date: skipped.</summary>
    UpToDate,

    /// <summary>Never started: runs.</summary>
    New,

    /// <summary>Started with the same hash but not finished (killed): runs again and the command resumes.</summary>
    Resume,

    /// <summary>Its configuration or inputs changed since it ran: its output is replaced.</summary>
    Changed,

    /// <summary>Its own record is current, but a dependency will run first, so it runs after it.</summary>
    Waiting,
}

/// <summary>A planned step with its hash and status.</summary>
/// <param name="Step">The step.</param>
/// <param name="Hash">SHA-256 (hex) of the resolved arguments, external input fingerprints and dependency hashes.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="State">Its stored state, if any.</param>
public sealed record StepPlanEntry(PlannedStep Step, string Hash, StepStatus Status, StepState? State)
{
    /// <summary>True when the step will run.</summary>
    public bool WillRun => Status != StepStatus.UpToDate;
}

/// <summary>
/// Hashes every step (make-like, from configuration rather than timestamps) and compares with the stored states.
/// A file input enters the hash by its SHA-256, a folder input by its path (datasets are treated as immutable: give a
/// new path for new data), a dependency by its hash, so a change anywhere upstream reaches every step below it.
/// </summary>
public static class StepStatusEvaluator
{
    /// <summary>Evaluates <paramref name="steps"/> (in dependency order) against <paramref name="store"/>.</summary>
    public static IReadOnlyList<StepPlanEntry> Evaluate(IReadOnlyList<PlannedStep> steps, StepStateStore store, Func<string, string>? fileFingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(store);
        fileFingerprint ??= Sha256OrMissing;
        var byId = new Dictionary<string, StepPlanEntry>(StringComparer.Ordinal);
        var result = new List<StepPlanEntry>();
        foreach (var s in steps)
        {
            var deps = s.DependsOn.Select(d => byId.TryGetValue(d, out var e) ? e : throw new InvalidOperationException($"step {s.Id} depends on unknown or later step {d}")).ToList();
            var hash = Hash(s, deps.Select(d => d.Hash), fileFingerprint);
            var state = store.Read(s.Id);
            StepStatus status;
            if (state is null) status = StepStatus.New;
            else if (state.Hash != hash) status = StepStatus.Changed;
            else if (state.Status != StepState.Done) status = StepStatus.Resume;
            else if (!Directory.Exists(s.OutDir)) status = StepStatus.New;
            else status = deps.Any(d => d.WillRun) ? StepStatus.Waiting : StepStatus.UpToDate;
            var entry = new StepPlanEntry(s, hash, status, state);
            byId[s.Id] = entry;
            result.Add(entry);
        }

        return result;
    }

    /// <summary>The step hash: SHA-256 of a canonical JSON of id, stage, arguments, input fingerprints and dependency hashes.</summary>
    public static string Hash(PlannedStep step, IEnumerable<string> dependencyHashes, Func<string, string> fileFingerprint)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(fileFingerprint);
        var canonical = JsonSerializer.Serialize(new
        {
            v = 1,
            id = step.Id,
            stage = step.Stage.ToString(),
            args = step.Args,
            files = step.ExternalFiles.Select(f => new[] { f, fileFingerprint(f) }),
            dirs = step.ExternalDirs,
            deps = dependencyHashes,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>SHA-256 of a file, or "missing" (the step will fail with the command's own message).</summary>
    public static string Sha256OrMissing(string path)
    {
        if (!File.Exists(path)) return "missing";
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
