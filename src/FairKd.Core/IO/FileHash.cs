using System.Security.Cryptography;
using System.Text;

namespace FairKd.Core.IO;

/// <summary>SHA-256 of files and text as lower-case hex: the one hashing helper of FairKd's records.</summary>
public static class FileHash
{
    /// <summary>SHA-256 (lower-case hex) of the file at <paramref name="path"/>, read in 1 MB blocks.</summary>
    public static string Sha256(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    /// <summary>SHA-256 (lower-case hex) of <paramref name="bytes"/>.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>SHA-256 (lower-case hex) of <paramref name="text"/> as UTF-8.</summary>
    public static string Sha256OfText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
