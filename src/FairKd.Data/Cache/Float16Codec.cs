using System.Buffers.Binary;

namespace FairKd.Data.Cache;

/// <summary>fp32 &lt;-&gt; IEEE half, little-endian bytes (the <see cref="EmbeddingEncoding.Float16Blob"/> payload).</summary>
internal static class Float16Codec
{
    public static void Encode(ReadOnlySpan<float> values, Span<byte> destination)
    {
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(destination.Slice(2 * i, 2), (Half)values[i]);
    }

    public static void Decode(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(2 * i, 2));
    }
}
