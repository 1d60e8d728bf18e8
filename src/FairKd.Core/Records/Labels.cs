namespace FairKd.Core.Records;

/// <summary>
/// One image with the labels the manifest stage needs (read from the embedding cache's label columns; the
/// embeddings themselves are not needed). <paramref name="Ethnicity"/> holds 4 probabilities in
/// <see cref="EthnicGroups.Order"/> (African, Asian, Caucasian, Indian).
/// <paramref name="FolderGroup"/> is the group given by the dataset's folder layout (BUPT), or null.
/// </summary>
public sealed record LabeledSample(
    string Key,
    string Dataset,
    string Identity,
    string? FolderGroup,
    string RelativePath,
    float[] Ethnicity,
    string? Sha256);
