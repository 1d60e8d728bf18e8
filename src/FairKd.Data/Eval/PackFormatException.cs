namespace FairKd.Data.Eval;

/// <summary>A verification pack (or its pickle stream) is malformed, truncated or uses something the restricted reader refuses.</summary>
public sealed class PackFormatException : Exception
{
    public PackFormatException(long offset, string reason)
        : base($"pack format error at byte {offset}: {reason}")
    {
        Offset = offset;
        Reason = reason;
    }

    public PackFormatException()
        : this(0, "unspecified")
    {
    }

    public PackFormatException(string message)
        : this(0, message)
    {
    }

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
