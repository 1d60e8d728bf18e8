namespace FairKd.Data.Imaging;

/// <summary>
/// Structural check ImageSharp does not make: its JPEG decoder fills a truncated scan with grey instead of failing.
/// A complete JPEG has an end-of-image marker (FF D9) after the start of its last scan (FF DA). Inside entropy-coded
/// data every FF byte is stuffed (FF 00) or a restart marker (FF D0-D7), so an FF D9 after the last FF DA can only be
/// the real end; an FF D9 before it belongs to an embedded thumbnail and does not count.
/// </summary>
internal static class JpegIntegrity
{
    public static bool EndsAfterScan(ReadOnlySpan<byte> jpeg)
    {
        ReadOnlySpan<byte> sos = [0xFF, 0xDA];
        ReadOnlySpan<byte> eoi = [0xFF, 0xD9];
        var lastScan = jpeg.LastIndexOf(sos);
        var lastEnd = jpeg.LastIndexOf(eoi);
        return lastScan >= 0 && lastEnd > lastScan;
    }
}
