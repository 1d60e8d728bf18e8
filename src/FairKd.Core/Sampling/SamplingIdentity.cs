namespace FairKd.Core.Sampling;

/// <summary>
/// One identity as the sampling protocols see it.
/// <paramref name="Key"/> is unique and orders ties (ordinal); <paramref name="Source"/> is its dataset;
/// <paramref name="IsReal"/> puts it on the real side of a Mix quota; <paramref name="FolderGroup"/> is the storage
/// index (<see cref="Records.EthnicGroups.Order"/>) of the group its folder names, or -1;
/// <paramref name="ImageCount"/> must be at least 1; <paramref name="Labels"/> is the fixed-point sum of its images'
/// soft labels.
/// </summary>
public sealed record SamplingIdentity(
    string Key,
    string Source,
    bool IsReal,
    int FolderGroup,
    int ImageCount,
    LabelSum Labels);
