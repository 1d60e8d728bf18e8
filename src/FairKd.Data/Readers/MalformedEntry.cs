namespace FairKd.Data.Readers;

/// <summary>
/// A malformed entry a reader refused: the file it came from, where (a 1-based <see cref="Line"/> for text
/// files, a byte <see cref="Offset"/> for binary ones) and why.
/// </summary>
public sealed record MalformedEntry(string Source, long? Line, long? Offset, string Reason)
{
    public override string ToString() =>
        Line is { } l ? $"{Source}:{l}: {Reason}"
        : Offset is { } o ? $"{Source}@{o}: {Reason}"
        : $"{Source}: {Reason}";
}
