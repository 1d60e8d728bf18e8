namespace FairKd.Data.Readers;

/// <summary>The encoded bytes of a sample, or why they could not be read (a reject reason, never an exception).</summary>
public readonly record struct SampleBytesResult(byte[]? Bytes, string? RejectReason)
{
    /// <summary>True when <see cref="Bytes"/> holds the sample.</summary>
    public bool Ok => Bytes is not null;

    /// <summary>The sample's bytes were read.</summary>
    public static SampleBytesResult Success(byte[] bytes) => new(bytes, null);

    /// <summary>The bytes could not be used; <paramref name="reason"/> becomes the reject reason.</summary>
    public static SampleBytesResult Rejected(string reason) => new(null, reason);
}
