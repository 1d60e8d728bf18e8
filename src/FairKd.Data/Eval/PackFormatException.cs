namespace FairKd.Data.Eval;

/// <summary>A verification pack (or its pickle stream) is malformed, truncated or uses something the restricted reader refuses.</summary>
public sealed class PackFormatException : Exception
{
    /// <summary>A format error at byte <paramref name="offset"/> of the pack; the message is <c>pack format error at byte N: reason</c>.</summary>
    public PackFormatException(long offset, string reason)
        : base($"pack format error at byte {offset}: {reason}")
    {
        Offset = offset;
        Reason = reason;
    }

    /// <summary>A format error with no detail (offset 0, reason <c>unspecified</c>).</summary>
    public PackFormatException()
        : this(0, "unspecified")
    {
    }

    /// <summary>A format error whose position is unknown (offset 0).</summary>
    public PackFormatException(string message)
        : this(0, message)
    {
    }

    /// <summary>A format error caused by <paramref name="innerException"/> (e.g. an IO or decompression failure); offset 0.</summary>
    public PackFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Byte offset of the opcode (or structure) at fault.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the offset.</summary>
    public string Reason { get; } = "";
}
