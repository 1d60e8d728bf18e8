namespace FairKd.Data.Training;

/// <summary>One training image: its sample key (the cache's key), dataset, identity, group (null without one) and file.</summary>
public sealed record TrainSample(string Key, string Dataset, string Identity, string? Group, string Path);
