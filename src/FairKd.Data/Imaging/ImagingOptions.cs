using FairKd.Core;

namespace FairKd.Data.Imaging;

/// <summary>What to do with an image that has no landmarks and is not already <see cref="ImagingOptions.OutputSize"/> square.</summary>
public enum UnalignedPolicy
{
    /// <summary>Reject the sample (stage <c>align</c>); the default, because an unaligned crop silently hurts accuracy.</summary>
    Reject,

    /// <summary>Take the largest centred square and resize it bilinearly to the output size (<c>--unaligned center-crop</c>).</summary>
    CenterCrop,
}

/// <summary>
/// Options of the decode + align stage (one record for the stage). Defaults follow the ArcFace convention
/// (112x112 output) and keep decoders away from unbounded input.
/// </summary>
public sealed record ImagingOptions
{
    /// <summary>Side of the square network input in pixels. Default 112. Must be a multiple of 112 or of 128 (the
    /// sizes insightface's <c>estimate_norm</c> supports; see <see cref="ArcFaceTemplate.ForSize"/>).</summary>
    public int OutputSize { get; init; } = 112;

    /// <summary>Largest accepted image width in pixels, checked from the header before decoding. Default 4096.</summary>
    public int MaxWidth { get; init; } = 4096;

    /// <summary>Largest accepted image height in pixels, checked from the header before decoding. Default 4096.</summary>
    public int MaxHeight { get; init; } = 4096;

    /// <summary>Largest accepted encoded file size in bytes. Default 32 MiB.</summary>
    public long MaxBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Allocation limit of the decoder's memory allocator, in MiB per buffer: a backstop for decoder
    /// internals sized from header fields other than width and height. Default 256 (a 4096x4096 image at
    /// 16 bytes per pixel).</summary>
    public int AllocationLimitMegabytes { get; init; } = 256;

    /// <summary>Policy for images without landmarks that are not already OutputSize x OutputSize. Default <see cref="UnalignedPolicy.Reject"/>.</summary>
    public UnalignedPolicy Unaligned { get; init; } = UnalignedPolicy.Reject;

    /// <summary>The defaults.</summary>
    public static ImagingOptions Default { get; } = new();

    /// <summary>Throws <see cref="UsageException"/> naming the setting to fix when a value is out of range.</summary>
    public void Validate()
    {
        if (OutputSize <= 0 || (OutputSize % 112 != 0 && OutputSize % 128 != 0))
            throw new UsageException($"output size {OutputSize} is not supported: use a multiple of 112 (ArcFace) or of 128");
        if (MaxWidth <= 0 || MaxHeight <= 0)
            throw new UsageException($"pixel limit {MaxWidth}x{MaxHeight} must be positive");
        if (MaxBytes <= 0)
            throw new UsageException($"byte limit {MaxBytes} must be positive");
        if (AllocationLimitMegabytes <= 0)
            throw new UsageException($"allocation limit {AllocationLimitMegabytes} MiB must be positive");
        if (!Enum.IsDefined(Unaligned))
            throw new UsageException($"unknown unaligned policy {Unaligned}: use reject or center-crop");
    }
}
