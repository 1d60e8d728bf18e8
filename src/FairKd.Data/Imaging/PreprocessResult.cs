using FairKd.Core.Records;

namespace FairKd.Data.Imaging;

/// <summary>Stage names <see cref="FacePreprocessor"/> rejects under (the <c>stage</c> column of rejects.csv).</summary>
public static class PreprocessStages
{
    /// <summary>The bytes could not be decoded (empty, too large, unknown format, truncated or corrupt).</summary>
    public const string Decode = "decode";

    /// <summary>The decoded image could not be aligned (degenerate landmarks, no landmarks under the reject policy).</summary>
    public const string Align = "align";
}

/// <summary>
/// Outcome of <see cref="FacePreprocessor.Process(ReadOnlyMemory{byte}, FaceLandmarks?)"/>: either the aligned face as normalised CHW floats
/// (<see cref="Chw"/>, 3 x Size x Size, RGB, <c>(x - 127.5) / 127.5</c>), or a reject (<see cref="RejectStage"/>,
/// <see cref="RejectReason"/>). Source dimensions are set whenever the image decoded (0 otherwise).
/// </summary>
public sealed record PreprocessResult
{
    private PreprocessResult(float[]? chw, int size, int sourceWidth, int sourceHeight, AlignmentMode mode, string? stage, string? reason)
    {
        Chw = chw;
        Size = size;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Mode = mode;
        RejectStage = stage;
        RejectReason = reason;
    }

    /// <summary>The aligned face, 3 x <see cref="Size"/> x <see cref="Size"/>; null when rejected.</summary>
    public float[]? Chw { get; }

    /// <summary>Output side in pixels (0 when rejected).</summary>
    public int Size { get; }

    /// <summary>Width in pixels of the decoded source image (0 when decoding failed).</summary>
    public int SourceWidth { get; }

    /// <summary>Height in pixels of the decoded source image (0 when decoding failed).</summary>
    public int SourceHeight { get; }

    /// <summary>How the face was aligned (meaningless when rejected).</summary>
    public AlignmentMode Mode { get; }

    /// <summary><see cref="PreprocessStages.Decode"/> or <see cref="PreprocessStages.Align"/>; null on success.</summary>
    public string? RejectStage { get; }

    /// <summary>Human-readable reason with a stable prefix; null on success.</summary>
    public string? RejectReason { get; }

    /// <summary>True when the sample was aligned (<see cref="Chw"/> is set, the reject fields are null).</summary>
    public bool Succeeded => Chw is not null;

    /// <summary>The horizontal mirror of <see cref="Chw"/> (a row reversal per channel; new array).</summary>
    public float[] FlippedChw()
    {
        var chw = Chw ?? throw new InvalidOperationException("rejected sample has no image: " + RejectReason);
        var flipped = new float[chw.Length];
        FairKd.Core.Tensors.Chw.FlipHorizontal(chw, flipped, 3, Size, Size);
        return flipped;
    }

    /// <summary>The rejects.csv row for this sample.</summary>
    public Reject ToReject(string key) =>
        RejectStage is null ? throw new InvalidOperationException("sample was not rejected") : new Reject(key, RejectStage, RejectReason!);

    internal static PreprocessResult Aligned(float[] chw, int size, int width, int height, AlignmentMode mode) =>
        new(chw, size, width, height, mode, null, null);

    internal static PreprocessResult Rejected(string stage, string reason, int width = 0, int height = 0) =>
        new(null, 0, width, height, default, stage, reason);
}
