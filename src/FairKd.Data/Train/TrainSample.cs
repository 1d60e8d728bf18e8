namespace FairKd.Data.Train;

/// <summary>One training image: its sample key (the cache's key), dataset, identity, group (null without one), file,
/// and its path relative to the dataset root (what a dataset's landmark file is matched against, as in ingest and embed).</summary>
public sealed record TrainSample(string Key, string Dataset, string Identity, string? Group, string Path, string RelativePath)
{
    /// <summary>The sample as the readers enumerate it (a file source), for the shared <see cref="Ingest.FaceLoader"/>.</summary>
    public Core.Records.SampleRef ToSampleRef() => new(Key, Dataset, Identity, Group, RelativePath, new Core.Records.FileSource(Path));
}
