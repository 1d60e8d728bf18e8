namespace FairKd.Data.Readers;

/// <summary>
/// A malformed entry a reader refused: the file it came from, where (a 1-based <see cref="Line"/> for text
/// files, a byte <see cref="Offset"/> for binary ones) and why.
/// </summary>
public sealed record MalformedEntry(string Source, long? Line, long? Offset, string Reason)
{
    /// <summary><c>source:line: reason</c>, <c>source@offset: reason</c> or <c>source: reason</c>, as the ingest summary prints it.</summary>
    public override string ToString() =>
        Line is { } l ? $"{Source}:{l}: {Reason}"
        : Offset is { } o ? $"{Source}@{o}: {Reason}"
        : $"{Source}: {Reason}";
}
