namespace FairKd.Core.Records;

/// <summary>What ingest learned about a sample's file: recorded in the sample index.</summary>
public sealed record SampleInfo(
    int SourceWidth,
    int SourceHeight,
    FaceLandmarks? Landmarks,
    AlignmentMode Mode,
    string Sha256);

/// <summary>
/// An aligned face ready for a network: RGB, CHW, <c>(x - 127.5) / 127.5</c>, <see cref="Size"/> x <see cref="Size"/>.
/// The array is owned by the record and never mutated after the record is published.
/// </summary>
public sealed record AlignedFace(SampleRef Sample, SampleInfo Info, float[] Chw, int Size)
{
    /// <summary>The horizontally mirrored view, computed on demand (a row reversal per channel).</summary>
    public float[] FlippedChw()
    {
        var flipped = new float[Chw.Length];
        Tensors.Chw.FlipHorizontal(Chw, flipped, 3, Size, Size);
        return flipped;
    }
}

/// <summary>
/// What the teacher cache stores per image: L2-normalised embeddings of the image and of its mirror,
/// the raw (pre-normalisation) norms of both, and 4 ethnicity probabilities in <see cref="EthnicGroups.Order"/>.
/// </summary>
public sealed record TeacherTarget(
    string Key,
    string Dataset,
    string Identity,
    string? Group,
    float[] Embedding,
    float[] FlippedEmbedding,
    float Norm,
    float FlippedNorm,
    float[] Ethnicity);
