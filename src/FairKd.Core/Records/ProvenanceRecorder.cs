using System.Diagnostics;
using FairKd.Core.IO;
using FairKd.Core.Runtime;

namespace FairKd.Core.Records;

/// <summary>
/// Collects a <see cref="RunProvenance"/> while a stage runs: start it when the stage starts, add every input it reads
/// (a file is hashed once, however often it is added), count what it sees, and <see cref="Finish"/> when it ends.
/// Thread-safe: workers may count concurrently.
/// </summary>
public sealed class ProvenanceRecorder
{
    private readonly object _gate = new();
    private readonly string _stage;
    private readonly int? _threads;
    private readonly DateTimeOffset _started;
    private readonly Stopwatch _clock;
    private readonly List<ProvenanceInput> _inputs = [];
    private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _reasons = new(StringComparer.Ordinal);

    private ProvenanceRecorder(string stage, int? threads, DateTimeOffset started)
    {
        _stage = stage;
        _threads = threads;
        _started = started;
        _clock = Stopwatch.StartNew();
    }

    /// <summary>Starts recording a run of <paramref name="stage"/>; <paramref name="threads"/> are the compute threads it was given (null: runtime default).</summary>
    public static ProvenanceRecorder Start(string stage, int? threads = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        return new ProvenanceRecorder(stage, threads, (time ?? TimeProvider.System).GetUtcNow());
    }

    /// <summary>Adds an input file, hashing it unless <paramref name="sha256"/> is known; the same role and path are recorded once.</summary>
    public ProvenanceRecorder AddFile(string role, string path, string? sha256 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        lock (_gate)
        {
            if (_inputs.Any(i => i.Role == role && i.Path == full)) return this; // hashed once
        }

        return Add(role, full, f => new ProvenanceInput(role, f, "file", sha256 ?? FileHash.Sha256(f), new FileInfo(f).Length));
    }

    /// <summary>Adds an input file recorded by size only (a RecordIO .rec of many gigabytes: its .idx is the hashed input).</summary>
    public ProvenanceRecorder AddUnhashedFile(string role, string path) => Add(role, path, full => new ProvenanceInput(role, full, "file", null, new FileInfo(full).Length));

    /// <summary>Adds an input folder (not hashed: what was read from it is counted).</summary>
    public ProvenanceRecorder AddFolder(string role, string path) => Add(role, path, full => new ProvenanceInput(role, full, "folder", null, null));

    private ProvenanceRecorder Add(string role, string path, Func<string, ProvenanceInput> describe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var input = describe(Path.GetFullPath(path));
        lock (_gate)
        {
            if (!_inputs.Any(i => i.Role == role && i.Path == input.Path)) _inputs.Add(input);
        }

        return this;
    }

    /// <summary>Adds <paramref name="n"/> to the count <paramref name="name"/> (created at 0 when new).</summary>
    public ProvenanceRecorder Count(string name, long n = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate) _counts[name] = _counts.GetValueOrDefault(name) + n;
        return this;
    }

    /// <summary>Counts one rejected or dropped item under its reason's stable prefix (<see cref="RunProvenance.ReasonCategory"/>).</summary>
    public ProvenanceRecorder Reason(string reason, long n = 1)
    {
        var key = RunProvenance.ReasonCategory(reason);
        lock (_gate) _reasons[key] = _reasons.GetValueOrDefault(key) + n;
        return this;
    }

    /// <summary>The record: inputs, counts, host, start, wall time and <paramref name="items"/> <paramref name="unit"/> per second.</summary>
    public RunProvenance Finish(long items, string unit, HostInfo? host = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unit);
        var wall = _clock.Elapsed.TotalSeconds;
        var h = host ?? HostInfo.Current();
        var (version, commit) = RunProvenance.BuildVersion();
        lock (_gate)
        {
            return new RunProvenance
            {
                Stage = _stage,
                Version = version,
                Commit = commit,
                Inputs = _inputs.ToList(),
                Counts = new SortedDictionary<string, long>(_counts, StringComparer.Ordinal),
                Reasons = new SortedDictionary<string, long>(_reasons, StringComparer.Ordinal),
                Host = new ProvenanceHost(h.CpuModel, h.Family, h.LogicalCores, _threads, h.Os, h.Runtime),
                StartedUtc = _started,
                WallSeconds = Math.Round(wall, 3),
                Throughput = items > 0 && wall > 0 ? new ProvenanceThroughput(items, unit, Math.Round(items / wall, 2)) : null,
            };
        }
    }
}
