using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Imaging;

/// <summary>
/// A decoded image as interleaved RGB bytes (row-major, stride <c>Width * 3</c>). Owns pooled decoder memory:
/// dispose it when done. Not thread-safe; one sample, one owner.
/// </summary>
public sealed class DecodedImage : IDisposable
{
    private readonly Image<Rgb24> image;
    private readonly Memory<Rgb24> pixels;

    internal DecodedImage(Image<Rgb24> image, string format)
    {
        this.image = image;
        Format = format;
        if (!image.DangerousTryGetSinglePixelMemory(out pixels))
        {
            // Only reached when the allocator could not give one contiguous buffer: copy once.
            var copy = new Rgb24[image.Width * image.Height];
            image.CopyPixelDataTo(copy);
            pixels = copy;
        }
    }

    /// <summary>Width in pixels.</summary>
    public int Width => image.Width;

    /// <summary>Height in pixels.</summary>
    public int Height => image.Height;

    /// <summary>Detected container format (<c>JPEG</c>, <c>PNG</c>, <c>BMP</c>, <c>WEBP</c>), sniffed from the bytes.</summary>
    public string Format { get; }

    /// <summary>Interleaved RGB bytes, <c>Width * Height * 3</c> of them, rows top to bottom.</summary>
    public ReadOnlySpan<byte> Rgb => MemoryMarshal.AsBytes(pixels.Span);

    /// <summary>The ImageSharp image (for tests and tools that want ImageSharp processing).</summary>
    public Image<Rgb24> Image => image;

    /// <summary>Releases the ImageSharp image (and with it the pixels <see cref="Rgb"/> points to).</summary>
    public void Dispose() => image.Dispose();
}

/// <summary>Outcome of <see cref="SafeImageDecoder.Decode"/>: an image, or a reject reason with a stable prefix.</summary>
/// <param name="Image">The decoded image (caller disposes), or null on rejection.</param>
/// <param name="Reason">Null on success; otherwise one of the prefixes <c>empty file</c>, <c>too-large: </c>,
/// <c>undecodable: unknown format</c>, <c>undecodable: truncated or corrupt</c>.</param>
public readonly record struct DecodeResult(DecodedImage? Image, string? Reason)
{
    /// <summary>True when an image was decoded (<see cref="Reason"/> is then null).</summary>
    public bool Succeeded => Image is not null;

    internal static DecodeResult Fail(string reason) => new(null, reason);
}
