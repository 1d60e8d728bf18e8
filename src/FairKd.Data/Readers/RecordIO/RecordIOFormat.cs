namespace FairKd.Data.Readers.RecordIO;

/// <summary>
/// dmlc-core RecordIO framing: <c>u32 magic</c>, <c>u32 lrecord</c> (cflag in bits 29..31, payload length in the
/// low 29 bits), payload, zero padding to 4 bytes. cflag 0 = whole record, 1/2/3 = start/middle/end of a record
/// split where the magic appeared 4-byte aligned in the payload (the magic itself is dropped by the writer).
/// </summary>
public static class RecordIOFormat
{
    /// <summary>The record magic 0xced7230a (little-endian on disk).</summary>
    public const uint Magic = 0xced7230a;

    /// <summary>Bytes of <c>magic</c> + <c>lrecord</c>.</summary>
    public const int FrameHeaderSize = 8;

    /// <summary>Largest payload of one part (29 bits).</summary>
    public const int MaxPartLength = (1 << 29) - 1;

    /// <summary>Continuation flag of an <c>lrecord</c> word.</summary>
    public static int CFlag(uint lrecord) => (int)((lrecord >> 29) & 7);

    /// <summary>Payload length of an <c>lrecord</c> word.</summary>
    public static int Length(uint lrecord) => (int)(lrecord & MaxPartLength);

    /// <summary>Builds an <c>lrecord</c> word.</summary>
    public static uint EncodeLRecord(int cflag, int length) => ((uint)cflag << 29) | (uint)length;

    /// <summary>A length rounded up to a multiple of 4.</summary>
    public static long Pad4(long length) => (length + 3) & ~3L;
}
