using System.Globalization;
using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Data.Readers.RecordIO;

/// <summary>
/// The images of a RecordIO file as samples of dataset <see cref="Dataset"/>, in record order (the .idx order, or file
/// order without an index). With an InsightFace header record only records 1..a-1 are images (identity-range records
/// are counted as <see cref="SkipReasons.IdentityRecord"/>). Identity <c>dataset/&lt;label&gt;</c>, relative path
/// <c>&lt;label&gt;/&lt;key&gt;.jpg</c> (always <c>.jpg</c>: a name, not a claim about the encoding), group null,
/// source <see cref="RecordIOSource"/> (offset, key). A record whose header cannot be read, whose class label is not
/// a non-negative whole number, or whose label is not below the <c>property</c> file's class count is reported
/// with its offset and skipped. Reading the header costs one small positioned read per record; images are not read.
/// </summary>
public sealed class RecordIOSampleReader(string dataset, RecordIOReader reader) : ISampleReader
{
    private readonly RecordIOReader _reader = reader ?? throw new ArgumentNullException(nameof(reader));

    /// <inheritdoc/>
    public string Dataset { get; } = DatasetName.IsValid(dataset)
        ? dataset
        : throw new FairKd.Core.UsageException($"--rec: dataset name '{dataset}' is invalid: use lower-case letters, digits, '_' or '-'");

    /// <inheritdoc/>
    public IEnumerable<SampleRef> Enumerate(CancellationToken cancellationToken = default)
    {
        var header = _reader.ReadHeaderRecord();
        var report = _reader.Report;
        var classes = _reader.Property?.NumClasses;
        foreach (var (key, offset) in _reader.Records(cancellationToken))
        {
            if (header is not null)
            {
                if (key == 0) continue;
                if (key >= header.ImageEnd)
                {
                    if (key < header.IdentityEnd) report.Skip(SkipReasons.IdentityRecord);
                    else report.MalformedAt(_reader.RecPath, offset,
                        $"record key {key} is outside the header's ranges (images 1..{header.ImageEnd - 1}, identities {header.ImageEnd}..{header.IdentityEnd - 1})");
                    continue;
                }
            }

            if (!_reader.TryReadHeader(offset, out _, out var labels, out var error))
            {
                report.MalformedAt(_reader.RecPath, offset, error!);
                continue;
            }

            var label = labels[0];
            if (!RecordIOReader.IsIndex(label))
            {
                report.MalformedAt(_reader.RecPath, offset, $"class label {label.ToString(CultureInfo.InvariantCulture)} is not a non-negative whole number");
                continue;
            }

            if (classes is { } n && label >= n)
            {
                report.MalformedAt(_reader.RecPath, offset, $"class label {label} is not below the property file's {n} classes");
                continue;
            }

            var cls = ((long)label).ToString(CultureInfo.InvariantCulture);
            var rel = $"{cls}/{key.ToString(CultureInfo.InvariantCulture)}.jpg";
            yield return new SampleRef(SampleId.Key(Dataset, rel), Dataset, SampleId.Identity(Dataset, cls), null, rel,
                new RecordIOSource(_reader.RecPath, offset, key));
        }
    }
}
