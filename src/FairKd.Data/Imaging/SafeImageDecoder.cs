using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Imaging;

/// <summary>
/// Decodes untrusted JPEG, PNG, BMP and WebP bytes to RGB with ImageSharp 2.1.13, never throwing for bad bytes.
/// Guards, in order: empty input, the byte limit, a header-only <c>Identify</c> (format sniffed from the bytes,
/// not the file name) against the pixel limit, completeness checks (ImageSharp fills incomplete JPEG scans, PNG image
/// data, WebP and BMP data silently: <see cref="ContainerIntegrity"/> checks JPEG scans and PNG data exactly), and
/// finally the decode itself with an allocator that has an allocation limit.
/// Thread-safe: one instance serves all decode workers.
/// </summary>
public sealed class SafeImageDecoder
{
    /// <summary>Formats this decoder accepts (others are <c>undecodable: unknown format</c>).</summary>
    public const string SupportedFormats = "JPEG, PNG, BMP, WebP";

    private readonly ImagingOptions options;
    private readonly Configuration configuration;

    /// <summary>A decoder with the size limits of <paramref name="options"/> (<see cref="ImagingOptions.Default"/> when null).</summary>
    public SafeImageDecoder(ImagingOptions? options = null)
    {
        this.options = options ?? ImagingOptions.Default;
        this.options.Validate();
        configuration = new Configuration(
            new JpegConfigurationModule(), new PngConfigurationModule(), new BmpConfigurationModule(), new WebpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = this.options.AllocationLimitMegabytes,
            }),
            // Samples are decoded in parallel by the pipeline: no nested parallelism per image.
            MaxDegreeOfParallelism = 1,
            // One pixel buffer per image, so the warp reads a single span.
            PreferContiguousImageBuffers = true,
        };
    }

    /// <summary>The ImageSharp configuration used (limited allocator, the four formats).</summary>
    public Configuration Configuration => configuration;

    /// <summary>Decodes <paramref name="bytes"/> to RGB24, or returns a reject reason. Never throws for bad bytes.</summary>
    public DecodeResult Decode(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.Length == 0) return DecodeResult.Fail("empty file");
        if (bytes.Length > options.MaxBytes)
            return DecodeResult.Fail($"too-large: {bytes.Length} bytes exceeds {options.MaxBytes} bytes");

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            using var stream = ReadOnlyMemoryStream.Create(bytes);
            info = Image.Identify(configuration, stream, out format);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return DecodeResult.Fail(Classify(e));
        }

        if (info is null || format is null) return DecodeResult.Fail(UnknownFormat);
        if (info.Width <= 0 || info.Height <= 0)
            return DecodeResult.Fail($"undecodable: truncated or corrupt (header declares {info.Width}x{info.Height})");
        if (info.Width > options.MaxWidth || info.Height > options.MaxHeight)
            return DecodeResult.Fail($"too-large: {info.Width}x{info.Height} exceeds {options.MaxWidth}x{options.MaxHeight}");
        if (ContainerIntegrity.FindTruncation(format, bytes.Span) is { } missing)
            return DecodeResult.Fail($"undecodable: truncated or corrupt ({missing})");

        Image<Rgb24>? image = null;
        try
        {
            image = Image.Load<Rgb24>(configuration, bytes.Span);
            if (image.Width != info.Width || image.Height != info.Height)
            {
                var reason = $"undecodable: truncated or corrupt (decoded {image.Width}x{image.Height}, header says {info.Width}x{info.Height})";
                image.Dispose();
                return DecodeResult.Fail(reason);
            }

            return new DecodeResult(new DecodedImage(image, format.Name.ToUpperInvariant()), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            image?.Dispose();
            return DecodeResult.Fail(Classify(e));
        }
    }

    private const string UnknownFormat = "undecodable: unknown format (supported: " + SupportedFormats + ")";

    private string Classify(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is InvalidMemoryOperationException)
                return $"too-large: decoder allocation over the {options.AllocationLimitMegabytes} MiB limit";
        }

        return e is UnknownImageFormatException or NotSupportedException
            ? UnknownFormat
            : $"undecodable: truncated or corrupt ({OneLine(e.Message)})";
    }

    private static string OneLine(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.Length <= 160 ? line : line[..160] + "...";
    }
}
