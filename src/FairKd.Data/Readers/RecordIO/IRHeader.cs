using System.Buffers.Binary;

namespace FairKd.Data.Readers.RecordIO;

/// <summary>
/// mxnet recordio.py <c>IRHeader</c> (struct <c>'IfQQ'</c>, little-endian, 24 bytes) at the start of a record:
/// <c>flag</c>, scalar <c>label</c>, <c>id</c>, <c>id2</c>. When <see cref="Flag"/> &gt; 0, <see cref="Flag"/> float32
/// labels follow the header.
/// </summary>
public readonly record struct IRHeader(uint Flag, float Label, ulong Id, ulong Id2)
{
    /// <summary>Size of the packed header.</summary>
    public const int Size = 24;

    /// <summary>
    /// Parses the header and its labels from the start of a record. <paramref name="labels"/> is the array labels
    /// (flag &gt; 0) or the single scalar label; <paramref name="imageOffset"/> is where the encoded image starts.
    /// False with a reason when the record is too short for what the header announces.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out IRHeader header, out float[] labels, out int imageOffset,
        out string? error)
    {
        header = default;
        labels = [];
        imageOffset = 0;
        if (record.Length < Size)
        {
            error = $"record of {record.Length} bytes is shorter than the {Size}-byte IRHeader";
            return false;
        }

        header = new IRHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(record),
            BinaryPrimitives.ReadSingleLittleEndian(record[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(record[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(record[16..]));
        if (header.Flag == 0)
        {
            labels = [header.Label];
            imageOffset = Size;
            error = null;
            return true;
        }

        if (header.Flag > (uint)((record.Length - Size) / 4))
        {
            error = $"IRHeader announces {header.Flag} labels but the record holds {record.Length - Size} bytes after the header";
            return false;
        }

        labels = new float[header.Flag];
        for (var i = 0; i < labels.Length; i++)
            labels[i] = BinaryPrimitives.ReadSingleLittleEndian(record[(Size + (4 * i))..]);
        imageOffset = Size + (4 * labels.Length);
        error = null;
        return true;
    }

    /// <summary>Writes the header (little-endian) into 24 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Flag);
        BinaryPrimitives.WriteSingleLittleEndian(destination[4..], Label);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Id);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Id2);
    }
}
