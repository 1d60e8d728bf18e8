using System.Security.Cryptography;

namespace FairKd.Data.Demo;

/// <summary>Writes a file under a temporary name and renames it into place, so readers never see half a file.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically and returns their SHA-256 (lower-case hex).</summary>
    public static string Write(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            stream.Write(bytes);
        File.Move(temp, path, overwrite: true);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
