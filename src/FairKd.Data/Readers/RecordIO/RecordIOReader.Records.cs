using System.Buffers.Binary;

namespace FairKd.Data.Readers.RecordIO;

public sealed partial class RecordIOReader
{
    /// <summary>
    /// The records as (key, offset): from the .idx lines in file order (malformed lines and offsets outside the
    /// file reported with their line number), or, without an index, by a sequential scan of the framing with keys
    /// 0, 1, 2, ... (a corrupt frame is reported with its offset and ends the scan: nothing after it can be located).
    /// </summary>
    public IEnumerable<(long Key, long Offset)> Records(CancellationToken cancellationToken = default) =>
        IdxPath is null ? Scan(cancellationToken) : Index(IdxPath, cancellationToken);

    /// <summary>
    /// Record 0 as an InsightFace header (images are records 1..a-1, identity records a..b-1), or null when record 0
    /// is an ordinary image. Record 0 is a header when its IRHeader has array labels and nothing after them; a header
    /// whose (a, b) are not integers with 1 &lt;= a &lt;= b is reported and treated as absent.
    /// </summary>
    public RecordIOHeaderRecord? ReadHeaderRecord()
    {
        long? offset = IdxPath is null ? 0 : null;
        if (offset is null)
            foreach (var (key, off) in Index(IdxPath!, default))
                if (key == 0)
                {
                    offset = off;
                    break;
                }

        if (offset is null || !TryReadRecord(offset.Value, out var record, out _)) return null;
        if (!IRHeader.TryParse(record, out var header, out var labels, out var imageOffset, out _)
            || header.Flag == 0 || imageOffset != record.Length)
            return null;
        if (labels.Length >= 2 && IsIndex(labels[0]) && IsIndex(labels[1]) && labels[0] >= 1 && labels[0] <= labels[1])
            return new RecordIOHeaderRecord((long)labels[0], (long)labels[1]);
        Report.MalformedAt(RecPath, offset.Value,
            $"record 0 looks like a header but its labels [{string.Join(", ", labels)}] are not a range 1 <= a <= b");
        return null;
    }

    /// <summary>The identity records <c>a .. b-1</c> of a header: class (key - a) owns image records [start, end). Corrupt ones are reported.</summary>
    public IEnumerable<RecordIOIdentityRange> IdentityRanges(CancellationToken cancellationToken = default)
    {
        if (ReadHeaderRecord() is not { } h) yield break;
        foreach (var (key, offset) in Records(cancellationToken))
        {
            if (key < h.ImageEnd || key >= h.IdentityEnd) continue;
            if (!TryReadHeader(offset, out _, out var labels, out var error))
                Report.MalformedAt(RecPath, offset, error!);
            else if (labels.Length < 2 || !IsIndex(labels[0]) || !IsIndex(labels[1]) || labels[0] > labels[1])
                Report.MalformedAt(RecPath, offset, $"identity record {key} has labels [{string.Join(", ", labels)}], not a range [start, end)");
            else
                yield return new RecordIOIdentityRange(key - h.ImageEnd, (long)labels[0], (long)labels[1]);
        }
    }

    /// <summary>A float that is a non-negative whole number below 2^31 (a class or record index).</summary>
    internal static bool IsIndex(float v) => float.IsFinite(v) && v >= 0 && v < 2147483648f && MathF.Floor(v) == v;

    private IEnumerable<(long Key, long Offset)> Index(string idxPath, CancellationToken ct)
    {
        using var reader = new StreamReader(idxPath);
        long lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            ct.ThrowIfCancellationRequested();
            lineNo++;
            if (line.Trim().Length == 0) continue;
            if (!TryParseIndexLine(line, out var key, out var offset))
                Report.MalformedLine(idxPath, lineNo, $"expected 'key<TAB>offset', found '{line}'");
            else if (offset + RecordIOFormat.FrameHeaderSize > Length)
                Report.MalformedLine(idxPath, lineNo, $"offset {offset} is beyond the end of the .rec file ({Length} bytes)");
            else
                yield return (key, offset);
        }
    }

    private IEnumerable<(long Key, long Offset)> Scan(CancellationToken ct)
    {
        long pos = 0, key = 0;
        while (pos < Length)
        {
            ct.ThrowIfCancellationRequested();
            if (!TryMeasure(pos, out var next, out var error))
            {
                Report.MalformedAt(RecPath, pos, error + "; the rest of the file cannot be located without a .idx");
                yield break;
            }

            yield return (key++, pos);
            pos = next;
        }
    }

    /// <summary>Walks the frames of the record at <paramref name="offset"/> without reading payloads; <paramref name="next"/> is the following record's offset.</summary>
    private bool TryMeasure(long offset, out long next, out string? error)
    {
        next = offset;
        Span<byte> frame = stackalloc byte[RecordIOFormat.FrameHeaderSize];
        for (var part = 0; ; part++)
        {
            if (next + RecordIOFormat.FrameHeaderSize > Length)
            {
                error = $"truncated: {Length - next} stray bytes at the end of the file";
                return false;
            }

            ReadExactly(_handle, frame, next);
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            var lrec = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
            var cflag = RecordIOFormat.CFlag(lrec);
            var len = RecordIOFormat.Length(lrec);
            if (magic != RecordIOFormat.Magic)
                error = $"bad magic 0x{magic:x8} at offset {next}";
            else if (cflag > 3 || (part == 0 && cflag is 2 or 3) || (part > 0 && cflag is 0 or 1))
                error = $"unexpected cflag {cflag} at offset {next}";
            else if (next + RecordIOFormat.FrameHeaderSize + len > Length)
                error = $"truncated: part of {len} bytes at offset {next} runs past the end of the file";
            else
                error = null;
            if (error is not null) return false;
            next += RecordIOFormat.FrameHeaderSize + RecordIOFormat.Pad4(len);
            if (cflag is 0 or 3) return true;
        }
    }
}
