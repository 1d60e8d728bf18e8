namespace FairKd.Data.Readers;

/// <summary>The encoded bytes of a sample, or why they could not be read (a reject reason, never an exception).</summary>
public readonly record struct SampleBytesResult(byte[]? Bytes, string? RejectReason)
{
    /// <summary>True when <see cref="Bytes"/> holds the sample.</summary>
    public bool Ok => Bytes is not null;

    public static SampleBytesResult Success(byte[] bytes) => new(bytes, null);

    public static SampleBytesResult Rejected(string reason) => new(null, reason);
}
