using FairKd.Core.Records;

namespace FairKd.Data.Readers;

/// <summary>An already enumerated list of samples as a reader (e.g. the not yet cached part of a partition).</summary>
public sealed class SampleListReader(string dataset, IReadOnlyList<SampleRef> samples) : ISampleReader
{
    /// <inheritdoc />
    public string Dataset { get; } = dataset;

    /// <inheritdoc />
    public IEnumerable<SampleRef> Enumerate(CancellationToken cancellationToken = default)
    {
        foreach (var s in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return s;
        }
    }
}
