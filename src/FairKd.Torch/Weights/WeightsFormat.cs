using System.Buffers.Binary;

namespace FairKd.Torch.Weights;

/// <summary>Kinds of weights files, told apart by their first bytes (never by the extension).</summary>
public enum WeightsFormat
{
    /// <summary>Not recognised.</summary>
    Unknown,

    /// <summary><c>torch.save</c> zip archive (PyTorch ≥ 1.6 default; .pth/.pt/.bin). Supported.</summary>
    PyTorchZip,

    /// <summary>TorchScript archive (<c>torch.jit.save</c>): a zip holding code/ and constants.pkl. Refused.</summary>
    TorchScript,

    /// <summary>Legacy non-zip <c>torch.save</c> pickle (<c>_use_new_zipfile_serialization=False</c>, PyTorch &lt; 1.6). Refused.</summary>
    LegacyPickle,

    /// <summary>safetensors (8-byte header length, JSON header, raw data). Supported.</summary>
    Safetensors,

    /// <summary>TorchSharp's own <c>module.save</c> format (.dat). Supported.</summary>
    TorchSharp,
}

/// <summary>Recognises a weights file from its content.</summary>
public static class WeightsFormatDetector
{
    /// <summary>Detects the format of <paramref name="path"/> (reads at most a few KB).</summary>
    public static WeightsFormat Detect(string path)
    {
        using var stream = File.OpenRead(path);
        return Detect(stream);
    }

    /// <summary>Detects the format of a seekable stream; the position is restored.</summary>
    public static WeightsFormat Detect(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = stream.Position;
        try
        {
            var head = new byte[16];
            var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (n >= 4 && head[0] == 0x50 && head[1] == 0x4b && head[2] == 0x03 && head[3] == 0x04)
            {
                stream.Position = start;
                return IsTorchScript(stream) ? WeightsFormat.TorchScript : WeightsFormat.PyTorchZip;
            }

            // Pickle protocol 2+ starts with PROTO (0x80) and the protocol number.
            if (n >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5) return WeightsFormat.LegacyPickle;
            if (n >= 9)
            {
                var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
                if (head[8] == (byte)'{' && headerLength > 1 && headerLength <= (ulong)(stream.Length - start - 8))
                    return WeightsFormat.Safetensors;
            }

            stream.Position = start;
            return TorchSharpFormat.LooksLikeTorchSharp(stream) ? WeightsFormat.TorchSharp : WeightsFormat.Unknown;
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static bool IsTorchScript(Stream stream)
    {
        try
        {
            using var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: true);
            return zip.Entries.Any(e => e.FullName.EndsWith("constants.pkl", StringComparison.Ordinal) || e.FullName.Contains("/code/", StringComparison.Ordinal));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
