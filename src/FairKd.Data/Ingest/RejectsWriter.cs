using System.Text;
using FairKd.Core.Records;

namespace FairKd.Data.Ingest;

/// <summary>Writes <c>rejects.csv</c> (key, stage, reason; RFC-4180 quoting) through a temp file renamed on completion,
/// and counts rejects by reason prefix (the text before the first ':').</summary>
public sealed class RejectsWriter : IDisposable
{
    /// <summary>File name of the rejects table inside the stage's output folder.</summary>
    public const string FileName = "rejects.csv";
    private readonly string _path;
    private readonly string _temp;
    private readonly StreamWriter _writer;
    private bool _completed;

    /// <summary>Starts <c>rejects.csv</c> in <paramref name="outDir"/> as a temp file holding the header line.</summary>
    public RejectsWriter(string outDir)
    {
        _path = Path.Combine(outDir, FileName);
        _temp = Core.IO.AtomicFile.TempPathFor(_path);
        _writer = new StreamWriter(_temp, false, new UTF8Encoding(false)) { NewLine = "\n" };
        _writer.WriteLine("key,stage,reason");
    }

    /// <summary>Rejects so far per <c>stage: reason prefix</c> (e.g. <c>decode: undecodable</c>), sorted by that text.</summary>
    public SortedDictionary<string, int> CountsByReason { get; } = new(StringComparer.Ordinal);

    /// <summary>Rejects written so far.</summary>
    public int Count { get; private set; }

    /// <summary>Appends one reject line and counts it under its stage and reason prefix.</summary>
    public void Add(Reject reject)
    {
        ArgumentNullException.ThrowIfNull(reject);
        _writer.WriteLine($"{Quote(reject.Key)},{Quote(reject.Stage)},{Quote(reject.Reason)}");
        var colon = reject.Reason.IndexOf(':', StringComparison.Ordinal);
        var kind = reject.Stage + ": " + (colon > 0 ? reject.Reason[..colon] : reject.Reason);
        CountsByReason[kind] = CountsByReason.GetValueOrDefault(kind) + 1;
        Count++;
    }

    /// <summary>Flushes and renames the temp file to <c>rejects.csv</c>; without it, Dispose deletes the temp file.</summary>
    public void Complete()
    {
        _writer.Flush();
        _writer.Dispose();
        Core.IO.AtomicFile.Commit(_temp, _path);
        _completed = true;
    }

    internal static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Deletes the temp file unless <see cref="Complete"/> ran (an aborted stage leaves no partial rejects.csv).</summary>
    public void Dispose()
    {
        if (_completed) return;
        _writer.Dispose();
        File.Delete(_temp);
    }
}
