namespace FairKd.Data.Readers;

/// <summary>
/// What readers skipped and refused, shared by every reader of a run and safe to use from many threads.
/// Skips (hidden files, other extensions, empty identity folders, ...) are counted per reason with the first few
/// example paths; malformed entries keep their source, position and reason (the first <see cref="MaxKept"/>),
/// with a total count. Readers never throw for a bad entry: they report it here and go on.
/// </summary>
public sealed class ReaderReport
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _examples = new(StringComparer.Ordinal);
    private readonly List<MalformedEntry> _malformed = [];
    private readonly Dictionary<string, long> _malformedBySource = new(StringComparer.Ordinal);
    private long _malformedCount;

    /// <param name="maxKept">How many malformed entries to keep (default 1000); later ones are only counted.</param>
    /// <param name="examplesPerReason">How many example paths to keep per skip reason (default 5).</param>
    public ReaderReport(int maxKept = 1000, int examplesPerReason = 5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxKept);
        ArgumentOutOfRangeException.ThrowIfNegative(examplesPerReason);
        MaxKept = maxKept;
        ExamplesPerReason = examplesPerReason;
    }

    /// <summary>How many malformed entries are kept in <see cref="Malformed"/>.</summary>
    public int MaxKept { get; }

    /// <summary>How many example paths are kept per skip reason.</summary>
    public int ExamplesPerReason { get; }

    /// <summary>Counts one skipped entry under <paramref name="reason"/> (see <see cref="SkipReasons"/>).</summary>
    public void Skip(string reason, string? example = null)
    {
        lock (_gate)
        {
            _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
            if (example is null) return;
            if (!_examples.TryGetValue(reason, out var list)) _examples[reason] = list = [];
            if (list.Count < ExamplesPerReason) list.Add(example);
        }
    }

    /// <summary>Reports a malformed line of a text file (1-based line number).</summary>
    public void MalformedLine(string source, long line, string reason) => Add(new MalformedEntry(source, line, null, reason));

    /// <summary>Reports a malformed record of a binary file at a byte offset.</summary>
    public void MalformedAt(string source, long offset, string reason) => Add(new MalformedEntry(source, null, offset, reason));

    /// <summary>Reports a malformed entry.</summary>
    public void Add(MalformedEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            _malformedCount++;
            _malformedBySource[entry.Source] = _malformedBySource.GetValueOrDefault(entry.Source) + 1;
            if (_malformed.Count < MaxKept) _malformed.Add(entry);
        }
    }

    /// <summary>Total malformed entries reported (kept or not).</summary>
    public long MalformedCount
    {
        get { lock (_gate) return _malformedCount; }
    }

    /// <summary>Malformed entries reported per source file (kept or not), ordered by source.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> MalformedCountBySource
    {
        get { lock (_gate) return [.. _malformedBySource.OrderBy(kv => kv.Key, StringComparer.Ordinal)]; }
    }

    /// <summary>The first <see cref="MaxKept"/> malformed entries, in report order.</summary>
    public IReadOnlyList<MalformedEntry> Malformed
    {
        get { lock (_gate) return [.. _malformed]; }
    }

    /// <summary>Skip counts per reason, ordered by reason (ordinal).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> SkippedByReason
    {
        get { lock (_gate) return [.. _skipped.OrderBy(kv => kv.Key, StringComparer.Ordinal)]; }
    }

    /// <summary>The number of entries skipped for <paramref name="reason"/>.</summary>
    public long SkippedCount(string reason)
    {
        lock (_gate) return _skipped.GetValueOrDefault(reason);
    }

    /// <summary>Total skipped entries over all reasons.</summary>
    public long TotalSkipped
    {
        get { lock (_gate) return _skipped.Values.Sum(); }
    }

    /// <summary>The first example paths kept for a skip reason.</summary>
    public IReadOnlyList<string> Examples(string reason)
    {
        lock (_gate) return _examples.TryGetValue(reason, out var list) ? [.. list] : [];
    }

    /// <summary>One line per skip reason and per kept malformed entry (for logs and the summary).</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var (reason, count) in SkippedByReason)
            yield return $"skipped {count}: {reason}";
        var malformed = Malformed;
        foreach (var m in malformed)
            yield return "malformed " + m;
        var total = MalformedCount;
        if (total > malformed.Count)
            yield return $"... and {total - malformed.Count} more malformed entries";
    }
}
