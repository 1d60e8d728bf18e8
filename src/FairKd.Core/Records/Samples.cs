using System.Collections.Immutable;

namespace FairKd.Core.Records;

/// <summary>The four ethnic groups of BUPT-BalancedFace / RFW, in the fixed order FairKd stores soft labels in.</summary>
public static class EthnicGroups
{
    /// <summary>Storage order of every 4-way probability vector: African, Asian, Caucasian, Indian (alphabetical).</summary>
    public static readonly ImmutableArray<string> Order = ["African", "Asian", "Caucasian", "Indian"];

    /// <summary>Index of a group name in <see cref="Order"/>, or -1.</summary>
    public static int IndexOf(string? group) => group is null ? -1 : Order.IndexOf(group);
}

/// <summary>Where a sample's encoded bytes live.</summary>
public abstract record SampleSource;

/// <summary>An image file on disk.</summary>
public sealed record FileSource(string FullPath) : SampleSource;

/// <summary>A record of an MXNet RecordIO file, at a byte offset of the .rec file (from the .idx).</summary>
public sealed record RecordIOSource(string RecPath, long Offset, long RecordIndex) : SampleSource;

/// <summary>
/// One image of a dataset, as enumerated by a reader.
/// <paramref name="Key"/> is <c>dataset/relative/path</c> and is unique across datasets;
/// <paramref name="Identity"/> is dataset-qualified (<c>bupt/African/m.0x</c>) so two datasets never collide.
/// </summary>
public sealed record SampleRef(
    string Key,
    string Dataset,
    string Identity,
    string? Group,
    string RelativePath,
    SampleSource Source);

/// <summary>Five facial landmarks (left eye, right eye, nose, left mouth corner, right mouth corner) in source pixels.</summary>
public sealed record FaceLandmarks(ImmutableArray<float> Coordinates)
{
    /// <summary>Number of landmark points; <see cref="Coordinates"/> holds twice as many numbers (x0, y0, x1, y1, ...).</summary>
    public const int PointCount = 5;

    /// <summary>Landmarks from 10 numbers in x,y pair order; ArgumentException for any other count.</summary>
    public static FaceLandmarks FromPairs(ReadOnlySpan<float> xy)
    {
        if (xy.Length != PointCount * 2)
            throw new ArgumentException($"expected {PointCount * 2} numbers (5 x,y points), got {xy.Length}", nameof(xy));
        return new FaceLandmarks([.. xy]);
    }

    /// <summary>x of point <paramref name="i"/> (0..4, order as in the type summary), in source pixels.</summary>
    public float X(int i) => Coordinates[2 * i];

    /// <summary>y of point <paramref name="i"/> (0..4), in source pixels.</summary>
    public float Y(int i) => Coordinates[(2 * i) + 1];
}

/// <summary>How a sample was brought to the 112x112 network input.</summary>
public enum AlignmentMode
{
    /// <summary>Similarity transform from 5 landmarks onto the ArcFace template.</summary>
    Landmarks,

    /// <summary>Already 112x112 and aligned; used as is.</summary>
    PassThrough,

    /// <summary>No landmarks: centre crop of the largest square, resized (policy <c>--unaligned center-crop</c>).</summary>
    CenterCrop,
}

/// <summary>A sample that a stage refused, with the stage and a human-readable reason. Bad input is data.</summary>
public sealed record Reject(string Key, string Stage, string Reason);
