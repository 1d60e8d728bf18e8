using System.Runtime.InteropServices;

namespace FairKd.Data.Imaging;

/// <summary>A read-only stream over <see cref="ReadOnlyMemory{T}"/> bytes without copying when they live in an array.</summary>
internal static class ReadOnlyMemoryStream
{
    public static MemoryStream Create(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
}
