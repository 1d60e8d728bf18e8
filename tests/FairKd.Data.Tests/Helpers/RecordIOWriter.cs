using System.Buffers.Binary;
using System.Globalization;
using FairKd.Data.Readers.RecordIO;

namespace FairKd.Data.Tests.Helpers;

/// <summary>
/// Writes MXNet RecordIO like dmlc-core's RecordIOWriter::WriteRecord: the payload is split wherever the magic
/// appears at a 4-byte-aligned position (the magic is dropped, parts get cflag 1/2/3), then zero padding to 4 bytes.
/// Also writes the .idx (<c>key\toffset</c>) like mxnet's MXIndexedRecordIO.
/// </summary>
internal sealed class RecordIOWriter : IDisposable
{
    private readonly FileStream _rec;
    private readonly StreamWriter? _idx;

    public RecordIOWriter(string recPath, string? idxPath)
    {
        _rec = File.Create(recPath);
        _idx = idxPath is null ? null : new StreamWriter(idxPath) { NewLine = "\n" };
    }

    /// <summary>How many aligned magic occurrences were split out (dmlc's except_counter_).</summary>
    public int SplitCount { get; private set; }

    /// <summary>Writes one record and its index line; returns its offset.</summary>
    public long Write(long key, ReadOnlySpan<byte> payload)
    {
        var offset = _rec.Position;
        _idx?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}\t{offset}"));
        var len = payload.Length;
        var lowerAlign = len / 4 * 4;
        var dptr = 0;
        for (var i = 0; i < lowerAlign; i += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(payload[i..]) != RecordIOFormat.Magic) continue;
            Frame(dptr == 0 ? 1 : 2, payload[dptr..i]);
            dptr = i + 4;
            SplitCount++;
        }

        Frame(dptr != 0 ? 3 : 0, payload[dptr..]);
        var pad = (int)(RecordIOFormat.Pad4(len) - len);
        _rec.Write(new byte[pad]);
        return offset;
    }

    /// <summary>mxnet recordio.pack: IRHeader (flag = label count for array labels, else the scalar label) + labels + image.</summary>
    public static byte[] Pack(float[] labels, bool asArray, ulong id, ReadOnlySpan<byte> image)
    {
        var flag = asArray ? (uint)labels.Length : 0u;
        var result = new byte[IRHeader.Size + (asArray ? 4 * labels.Length : 0) + image.Length];
        new IRHeader(flag, asArray ? 0f : labels[0], id, 0).WriteTo(result);
        var pos = IRHeader.Size;
        if (asArray)
            foreach (var l in labels)
            {
                BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(pos), l);
                pos += 4;
            }

        image.CopyTo(result.AsSpan(pos));
        return result;
    }

    public void Dispose()
    {
        _rec.Dispose();
        _idx?.Dispose();
    }

    private void Frame(int cflag, ReadOnlySpan<byte> part)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(head, RecordIOFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], RecordIOFormat.EncodeLRecord(cflag, part.Length));
        _rec.Write(head);
        _rec.Write(part);
    }
}
