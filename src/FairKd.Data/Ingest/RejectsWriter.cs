using System.Text;
using FairKd.Core.Records;

namespace FairKd.Data.Ingest;

/// <summary>Writes <c>rejects.csv</c> (key, stage, reason; RFC-4180 quoting) through a temp file renamed on completion,
/// and counts rejects by reason prefix (the text before the first ':').</summary>
public sealed class RejectsWriter : IDisposable
{
    public const string FileName = "rejects.csv";
    private readonly string _path;
    private readonly string _temp;
    private readonly StreamWriter _writer;
    private bool _completed;

    public RejectsWriter(string outDir)
    {
        _path = Path.Combine(outDir, FileName);
        _temp = Core.IO.AtomicFile.TempPathFor(_path);
        _writer = new StreamWriter(_temp, false, new UTF8Encoding(false)) { NewLine = "\n" };
        _writer.WriteLine("key,stage,reason");
    }

    public SortedDictionary<string, int> CountsByReason { get; } = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Add(Reject reject)
    {
        ArgumentNullException.ThrowIfNull(reject);
        _writer.WriteLine($"{Quote(reject.Key)},{Quote(reject.Stage)},{Quote(reject.Reason)}");
        var colon = reject.Reason.IndexOf(':', StringComparison.Ordinal);
        var kind = reject.Stage + ": " + (colon > 0 ? reject.Reason[..colon] : reject.Reason);
        CountsByReason[kind] = CountsByReason.GetValueOrDefault(kind) + 1;
        Count++;
    }

    public void Complete()
    {
        _writer.Flush();
        _writer.Dispose();
        Core.IO.AtomicFile.Commit(_temp, _path);
        _completed = true;
    }

    internal static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    public void Dispose()
    {
        if (_completed) return;
        _writer.Dispose();
        File.Delete(_temp);
    }
}
