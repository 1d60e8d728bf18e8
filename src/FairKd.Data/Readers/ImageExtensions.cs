namespace FairKd.Data.Readers;

/// <summary>File extensions readers accept as images (case-insensitive): .jpg .jpeg .png .bmp .webp.</summary>
public static class ImageExtensions
{
    private static readonly string[] All = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    /// <summary>The accepted extensions, lower case with the dot.</summary>
    public static IReadOnlyList<string> Accepted => All;

    /// <summary>True when the file name ends with an accepted extension (any case).</summary>
    public static bool IsImage(string fileName)
    {
        var ext = Path.GetExtension(fileName);
        foreach (var a in All)
            if (string.Equals(ext, a, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
