using FairKd.Core.Records;

namespace FairKd.Data.Imaging;

/// <summary>
/// The per-sample entry point of ingest: decode untrusted bytes safely, then bring the face to the network input.
/// With landmarks: similarity transform onto the ArcFace template and a bilinear warp (<see cref="AlignmentMode.Landmarks"/>).
/// Without: an image already OutputSize square passes through (<see cref="AlignmentMode.PassThrough"/>); other sizes
/// follow <see cref="ImagingOptions.Unaligned"/> (reject, or <see cref="AlignmentMode.CenterCrop"/>).
/// Thread-safe (immutable state); each call allocates only the output array (unless the caller gives one) and the
/// decoder's pooled pixels.
/// </summary>
public sealed class FacePreprocessor
{
    private readonly SafeImageDecoder decoder;
    private readonly double[] template;

    /// <summary>Creates the preprocessor; throws <see cref="FairKd.Core.UsageException"/> for invalid options.</summary>
    public FacePreprocessor(ImagingOptions? options = null)
    {
        Options = options ?? ImagingOptions.Default;
        Options.Validate();
        decoder = new SafeImageDecoder(Options);
        template = ArcFaceTemplate.ForSize(Options.OutputSize);
    }

    /// <summary>The validated options every sample is decoded and aligned with (<see cref="ImagingOptions.Default"/> when none were given).</summary>
    public ImagingOptions Options { get; }

    /// <summary>Side of the produced square (Options.OutputSize).</summary>
    public int OutputSize => Options.OutputSize;

    /// <summary>The decoder (shared, thread-safe), for callers that only need dimensions or pixels.</summary>
    public SafeImageDecoder Decoder => decoder;

    /// <summary>Decodes and aligns one sample into a new 3 x OutputSize x OutputSize array. Never throws for bad bytes or landmarks.</summary>
    public PreprocessResult Process(ReadOnlyMemory<byte> bytes, FaceLandmarks? landmarks) => Process(bytes, landmarks, null);

    /// <summary>As <see cref="Process(ReadOnlyMemory{byte}, FaceLandmarks?)"/>, writing into <paramref name="destination"/>
    /// (at least 3 x OutputSize x OutputSize floats, e.g. rented from a pool) when given; the result's
    /// <see cref="PreprocessResult.Chw"/> is then that array (only its first 3 x OutputSize x OutputSize floats are the
    /// image; it is untouched on rejection). Each output array is 150 KB at 112, so pooling pays off at high rates.</summary>
    public PreprocessResult Process(ReadOnlyMemory<byte> bytes, FaceLandmarks? landmarks, float[]? destination)
    {
        CheckDestination(destination);
        var decoded = decoder.Decode(bytes);
        if (decoded.Image is not { } image) return PreprocessResult.Rejected(PreprocessStages.Decode, decoded.Reason!);
        using (image)
        {
            return Align(image.Rgb, image.Width, image.Height, landmarks, destination);
        }
    }

    /// <summary>Aligns already decoded interleaved RGB pixels (the second half of <see cref="Process(ReadOnlyMemory{byte}, FaceLandmarks?, float[])"/>).</summary>
    public PreprocessResult Align(ReadOnlySpan<byte> rgb, int width, int height, FaceLandmarks? landmarks, float[]? destination = null)
    {
        var size = Options.OutputSize;
        CheckDestination(destination);
        Affine2x3 map;
        AlignmentMode mode;
        if (landmarks is not null)
        {
            if (landmarks.Coordinates.IsDefault || landmarks.Coordinates.Length != 2 * FaceLandmarks.PointCount)
            {
                var count = landmarks.Coordinates.IsDefault ? 0 : landmarks.Coordinates.Length;
                return PreprocessResult.Rejected(PreprocessStages.Align, $"landmarks: expected 10 coordinates (5 points), got {count}", width, height);
            }

            var fit = SimilarityTransform.ToTemplate(landmarks.Coordinates.AsSpan(), template);
            if (!fit.Succeeded) return PreprocessResult.Rejected(PreprocessStages.Align, fit.Failure!, width, height);
            map = fit.Matrix;
            mode = AlignmentMode.Landmarks;
        }
        else if (width == size && height == size)
        {
            var direct = destination ?? GC.AllocateUninitializedArray<float>(3 * size * size);
            FaceWarp.ToChw(rgb, size, direct);
            return PreprocessResult.Aligned(direct, size, width, height, AlignmentMode.PassThrough);
        }
        else if (Options.Unaligned == UnalignedPolicy.CenterCrop)
        {
            map = FaceWarp.CenterCropMap(width, height, size);
            mode = AlignmentMode.CenterCrop;
        }
        else
        {
            return PreprocessResult.Rejected(PreprocessStages.Align,
                $"unaligned: no landmarks for {width}x{height} image (use --unaligned center-crop or give landmarks)", width, height);
        }

        var chw = destination ?? GC.AllocateUninitializedArray<float>(3 * size * size); // the warp writes every element
        if (!FaceWarp.WarpToChw(rgb, width, height, map, size, chw))
            return PreprocessResult.Rejected(PreprocessStages.Align, "landmarks: degenerate (transform not invertible)", width, height);
        return PreprocessResult.Aligned(chw, size, width, height, mode);
    }

    private void CheckDestination(float[]? destination)
    {
        var needed = 3 * Options.OutputSize * Options.OutputSize;
        if (destination is not null && destination.Length < needed)
            throw new ArgumentException($"destination holds {destination.Length} floats, {needed} (3x{Options.OutputSize}x{Options.OutputSize}) needed", nameof(destination));
    }
}
