using System.Buffers.Binary;

namespace FairKd.Torch.Weights;

/// <summary>
/// Makes a zip archive's bytes depend on its content only. TorchSharp.PyBridge's <c>save_py</c> stamps every entry of a
/// PyTorch-format <c>.pth</c> with the wall-clock time, so two runs with the same seed that computed the same weights
/// wrote different files (found by comparing a plain and a forced-GC run of the same seeded training: the unzipped
/// tensors were identical, the files were not). <see cref="Normalize"/> sets every entry's DOS date and time, in the
/// local headers and the central directory, to 1980-01-01 00:00 (the earliest DOS time, the value reproducible-build
/// tools use); nothing else changes, so PyTorch, Python's zipfile and FairKd read the file as before.
/// </summary>
public static class ZipTimestamps
{
    /// <summary>The DOS date written: 1980-01-01 (year 0, month 1, day 1).</summary>
    public const ushort DosDate = (0 << 9) | (1 << 5) | 1;

    /// <summary>The DOS time written: 00:00:00.</summary>
    public const ushort DosTime = 0;

    private const uint LocalHeader = 0x04034b50, CentralHeader = 0x02014b50, EndOfCentral = 0x06054b50;
    private const uint Zip64EndOfCentral = 0x06064b50, Zip64Locator = 0x07064b50;

    /// <summary>Rewrites the timestamps of every entry of the zip archive in <paramref name="zip"/> in place; returns the number of entries.</summary>
    /// <exception cref="InvalidDataException">not a zip archive, or its directory points outside the bytes.</exception>
    public static int Normalize(Span<byte> zip)
    {
        var eocd = FindEndOfCentral(zip);
        long entries = BinaryPrimitives.ReadUInt16LittleEndian(zip[(eocd + 10)..]);
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(zip[(eocd + 16)..]);
        if ((entries == 0xFFFF || cdOffset == 0xFFFFFFFF) && eocd >= 20 &&
            BinaryPrimitives.ReadUInt32LittleEndian(zip[(eocd - 20)..]) == Zip64Locator)
        {
            var z64 = Check(zip, (long)BinaryPrimitives.ReadUInt64LittleEndian(zip[(eocd - 20 + 8)..]), 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip[z64..]) != Zip64EndOfCentral) throw Bad("zip64 end record not where its locator says");
            entries = (long)BinaryPrimitives.ReadUInt64LittleEndian(zip[(z64 + 32)..]);
            cdOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(zip[(z64 + 48)..]);
        }

        var p = Check(zip, cdOffset, 0);
        for (long i = 0; i < entries; i++)
        {
            Check(zip, p, 46);
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip[p..]) != CentralHeader) throw Bad($"central directory entry {i} has no signature");
            Stamp(zip, p + 12);
            int nameLen = BinaryPrimitives.ReadUInt16LittleEndian(zip[(p + 28)..]);
            int extraLen = BinaryPrimitives.ReadUInt16LittleEndian(zip[(p + 30)..]);
            int commentLen = BinaryPrimitives.ReadUInt16LittleEndian(zip[(p + 32)..]);
            long local = BinaryPrimitives.ReadUInt32LittleEndian(zip[(p + 42)..]);
            if (local == 0xFFFFFFFF) local = Zip64LocalOffset(zip.Slice(p + 46 + nameLen, extraLen), zip[(p + 20)..], zip[(p + 24)..]);
            var l = Check(zip, local, 30);
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip[l..]) != LocalHeader) throw Bad($"entry {i}: no local header at {local}");
            Stamp(zip, l + 10);
            p = Check(zip, (long)p + 46 + nameLen + extraLen + commentLen, 0);
        }

        return checked((int)entries);
    }

    /// <summary>Writes through <paramref name="write"/> into memory and returns the bytes with normalised timestamps.</summary>
    public static byte[] Capture(Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var ms = new MemoryStream();
        write(ms);
        var bytes = ms.ToArray();
        Normalize(bytes);
        return bytes;
    }

    private static void Stamp(Span<byte> zip, int at)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(zip[at..], DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(zip[(at + 2)..], DosDate);
    }

    private static int FindEndOfCentral(ReadOnlySpan<byte> zip)
    {
        for (var p = zip.Length - 22; p >= 0 && p >= zip.Length - 22 - 0xFFFF; p--)
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip[p..]) == EndOfCentral) return p;
        throw Bad("no end-of-central-directory record");
    }

    // the zip64 extra field (id 1) holds, in order, only the fields whose 32-bit slot is 0xFFFFFFFF
    private static long Zip64LocalOffset(ReadOnlySpan<byte> extra, ReadOnlySpan<byte> compressed, ReadOnlySpan<byte> uncompressed)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (extra.Length < 4 + size) break;
            if (id == 1)
            {
                var at = 4;
                if (BinaryPrimitives.ReadUInt32LittleEndian(uncompressed) == 0xFFFFFFFF) at += 8;
                if (BinaryPrimitives.ReadUInt32LittleEndian(compressed) == 0xFFFFFFFF) at += 8;
                if (at + 8 > 4 + size) break;
                return (long)BinaryPrimitives.ReadUInt64LittleEndian(extra[at..]);
            }

            extra = extra[(4 + size)..];
        }

        throw Bad("zip64 entry without its local header offset");
    }

    private static int Check(ReadOnlySpan<byte> zip, long at, int need) =>
        at < 0 || at + need > zip.Length ? throw Bad($"offset {at} outside the archive ({zip.Length} bytes)") : (int)at;

    private static InvalidDataException Bad(string why) => new($"not a well-formed zip archive: {why}");
}
