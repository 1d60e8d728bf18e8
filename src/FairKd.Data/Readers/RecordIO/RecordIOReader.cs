using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using FairKd.Core;
using Microsoft.Win32.SafeHandles;

namespace FairKd.Data.Readers.RecordIO;

/// <summary>
/// Reads an MXNet RecordIO file (<c>train.rec</c>, optional <c>train.idx</c> and <c>property</c> beside it) in pure C#.
/// Records are read with positioned reads on one shared handle, so <see cref="TryReadImage"/> and
/// <see cref="ReadPayload"/> are safe to call from many threads at once. Split records (cflag 1/2/3) are joined
/// with the magic put back between the parts. A corrupt record (bad magic, bad cflag sequence, length past the end
/// of the file, truncated) is reported with its offset and skipped; only a file that is unusable as a whole
/// (missing, empty, not starting with the magic) throws a <see cref="UsageException"/> when opened.
/// </summary>
public sealed partial class RecordIOReader : IDisposable
{
    /// <summary>Default limit on one joined record (64 MiB): larger records are refused as corrupt.</summary>
    public const long DefaultMaxRecordBytes = 64L << 20;

    /// <summary>Bytes read from the start of a record to get its header without the image (labels up to 16).</summary>
    private const int HeaderPrefixBytes = IRHeader.Size + (16 * 4);

    private readonly SafeFileHandle _handle;
    private readonly long _maxRecordBytes;

    private RecordIOReader(string recPath, string? idxPath, SafeFileHandle handle, long length, long maxRecordBytes,
        ReaderReport report)
    {
        RecPath = recPath;
        IdxPath = idxPath;
        _handle = handle;
        Length = length;
        _maxRecordBytes = maxRecordBytes;
        Report = report;
    }

    /// <summary>The .rec file (absolute).</summary>
    public string RecPath { get; }

    /// <summary>The .idx file beside it, or null when there is none (records are then found by a sequential scan).</summary>
    public string? IdxPath { get; }

    /// <summary>Size of the .rec file in bytes.</summary>
    public long Length { get; }

    /// <summary>Where corrupt records and malformed index lines are reported.</summary>
    public ReaderReport Report { get; }

    /// <summary>The <c>property</c> file's contents, or null when absent or malformed (malformed is reported).</summary>
    public RecordIOProperty? Property { get; private set; }

    /// <summary>
    /// Opens a .rec file, or the folder holding <c>train.rec</c>. The index is the same path with <c>.idx</c>
    /// (optional), the property file <c>property</c> in the same folder (optional). Throws <see cref="UsageException"/>
    /// when the .rec file is missing, empty or does not start with the RecordIO magic.
    /// </summary>
    public static RecordIOReader Open(string path, ReaderReport? report = null, long maxRecordBytes = DefaultMaxRecordBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordBytes, IRHeader.Size);
        var rec = Path.GetFullPath(Directory.Exists(path) ? Path.Combine(path, "train.rec") : path);
        if (!File.Exists(rec)) throw new UsageException($"RecordIO file '{rec}' does not exist");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(rec, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"RecordIO file '{rec}' cannot be opened: {ex.Message}");
        }

        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length < RecordIOFormat.FrameHeaderSize)
                throw new UsageException($"RecordIO file '{rec}' is {(length == 0 ? "empty" : "too short")} ({length} bytes)");
            Span<byte> first = stackalloc byte[4];
            ReadExactly(handle, first, 0);
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(first);
            if (magic != RecordIOFormat.Magic)
                throw new UsageException(
                    $"'{rec}' is not an MXNet RecordIO file: it starts with 0x{magic:x8}, not the magic 0x{RecordIOFormat.Magic:x8}");
            var idx = Path.ChangeExtension(rec, ".idx");
            var reader = new RecordIOReader(rec, File.Exists(idx) ? idx : null, handle, length, maxRecordBytes,
                report ?? new ReaderReport());
            reader.LoadProperty();
            return reader;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads and joins the whole record at <paramref name="offset"/>; false with a reason when it is corrupt.</summary>
    public bool TryReadRecord(long offset, out byte[] record, out string? error) => TryRead(offset, long.MaxValue, out record, out error);

    /// <summary>Reads the image record at <paramref name="offset"/>: header, labels and image bytes; false with a reason when corrupt.</summary>
    public bool TryReadImage(long offset, out RecordIOImage? image, out string? error)
    {
        image = null;
        if (!TryReadRecord(offset, out var record, out error)) return false;
        if (!IRHeader.TryParse(record, out var header, out var labels, out var imageOffset, out error)) return false;
        image = new RecordIOImage(header, labels, record[imageOffset..]);
        return true;
    }

    /// <summary>The encoded image bytes of the record at <paramref name="offset"/>; throws <see cref="InvalidDataException"/> when corrupt.</summary>
    public byte[] ReadPayload(long offset) =>
        TryReadImage(offset, out var image, out var error)
            ? image!.ImageBytes
            : throw new InvalidDataException($"{RecPath}@{offset}: {error}");

    /// <summary>Reads the header and labels of a record without its image (the image bytes in the result are empty).</summary>
    public bool TryReadHeader(long offset, out IRHeader header, out float[] labels, out string? error)
    {
        header = default;
        labels = [];
        if (!TryRead(offset, HeaderPrefixBytes, out var prefix, out error)) return false;
        if (IRHeader.TryParse(prefix, out header, out labels, out _, out error)) return true;
        if (prefix.Length < HeaderPrefixBytes) return false;
        // More labels than the prefix holds: read the whole record.
        return TryReadRecord(offset, out var record, out error) && IRHeader.TryParse(record, out header, out labels, out _, out error);
    }

    /// <summary>Closes the .rec file handle.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// Reads a logical record, joining split parts, stopping once <paramref name="limit"/> payload bytes are collected
    /// (the rest of the record is then not checked).
    /// </summary>
    private bool TryRead(long offset, long limit, out byte[] data, out string? error)
    {
        data = [];
        var pos = offset;
        ArrayBufferWriter<byte>? joined = null;
        Span<byte> frame = stackalloc byte[RecordIOFormat.FrameHeaderSize];
        for (var part = 0; ; part++)
        {
            if (pos < 0 || pos + RecordIOFormat.FrameHeaderSize > Length)
            {
                error = part == 0
                    ? $"offset {pos} is beyond the end of the file ({Length} bytes)"
                    : $"truncated: the split record's part {part + 1} would start at {pos}, past the end of the file";
                return false;
            }

            ReadExactly(_handle, frame, pos);
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            if (magic != RecordIOFormat.Magic)
            {
                error = $"bad magic 0x{magic:x8} at offset {pos}" + (part == 0 ? "" : $" (part {part + 1} of a split record)");
                return false;
            }

            var lrec = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
            var cflag = RecordIOFormat.CFlag(lrec);
            var len = RecordIOFormat.Length(lrec);
            if (cflag > 3)
            {
                error = $"invalid cflag {cflag} at offset {pos}";
                return false;
            }

            if (part == 0 && cflag is 2 or 3)
            {
                error = $"offset {pos} points into the middle of a split record (cflag {cflag})";
                return false;
            }

            if (part > 0 && cflag is 0 or 1)
            {
                error = $"split record is missing its end part: found cflag {cflag} at offset {pos}";
                return false;
            }

            if (pos + RecordIOFormat.FrameHeaderSize + len > Length)
            {
                error = $"truncated: part of {len} bytes at offset {pos} runs past the end of the file ({Length} bytes)";
                return false;
            }

            var sofar = joined?.WrittenCount ?? 0;
            if (sofar + len + (part > 0 ? 4 : 0) > _maxRecordBytes)
            {
                error = $"record at offset {offset} is larger than the limit of {_maxRecordBytes} bytes";
                return false;
            }

            var wanted = (int)Math.Min(len, Math.Max(0, limit - sofar - (part > 0 ? 4 : 0)));
            if (part == 0 && cflag == 0)
            {
                data = new byte[wanted];
                ReadExactly(_handle, data, pos + RecordIOFormat.FrameHeaderSize);
                error = null;
                return true;
            }

            joined ??= new ArrayBufferWriter<byte>(len + 64);
            if (part > 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(joined.GetSpan(4), RecordIOFormat.Magic);
                joined.Advance(4);
            }

            ReadExactly(_handle, joined.GetSpan(wanted)[..wanted], pos + RecordIOFormat.FrameHeaderSize);
            joined.Advance(wanted);
            if (cflag == 3 || joined.WrittenCount >= limit)
            {
                data = joined.WrittenSpan[..(int)Math.Min(joined.WrittenCount, limit)].ToArray();
                error = null;
                return true;
            }

            pos += RecordIOFormat.FrameHeaderSize + RecordIOFormat.Pad4(len);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            var n = RandomAccess.Read(handle, buffer, offset);
            if (n <= 0) throw new EndOfStreamException($"unexpected end of file at offset {offset}");
            buffer = buffer[n..];
            offset += n;
        }
    }

    private void LoadProperty()
    {
        var file = Path.Combine(Path.GetDirectoryName(RecPath)!, "property");
        if (!File.Exists(file)) return;
        var text = File.ReadAllText(file);
        Property = RecordIOProperty.TryParse(text);
        if (Property is null)
            Report.MalformedLine(file, 1, $"expected num_classes,height,width, found '{text.Trim()}'");
    }

    private static bool TryParseIndexLine(string line, out long key, out long offset)
    {
        key = offset = 0;
        var parts = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out key)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }
}
