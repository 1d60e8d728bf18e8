using FairKd.Core.Records;

namespace FairKd.Data.Readers;

/// <summary>
/// A dataset reader: streams the dataset's samples in a deterministic order, reporting skipped and malformed
/// entries to its <see cref="ReaderReport"/> instead of throwing.
/// </summary>
public interface ISampleReader
{
    /// <summary>The dataset name (first component of every key and identity).</summary>
    string Dataset { get; }

    /// <summary>Enumerates the samples lazily (the enumeration observes <paramref name="cancellationToken"/>).</summary>
    IEnumerable<SampleRef> Enumerate(CancellationToken cancellationToken = default);
}
