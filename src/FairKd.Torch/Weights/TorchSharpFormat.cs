using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace FairKd.Torch.Weights;

/// <summary>
/// Reads TorchSharp's own module format (what <c>module.save(path)</c> writes): a LEB128 entry count, then per
/// entry a length-prefixed UTF-8 key and a tensor (TorchSharp's tensor encoding).
/// </summary>
internal static class TorchSharpFormat
{
    private const long MaxEntries = 1_000_000;

    /// <summary>Cheap plausibility check: a sane count followed by a printable key.</summary>
    public static bool LooksLikeTorchSharp(Stream stream)
    {
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            var count = ReadLeb128(reader);
            if (count is <= 0 or > MaxEntries) return false;
            var key = reader.ReadString();
            return key.Length is > 0 and < 1024 && key.All(c => c > ' ' && c < 127);
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static Dictionary<string, Tensor> Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var count = ReadLeb128(reader);
        if (count is < 0 or > MaxEntries) throw new FormatException($"implausible entry count {count}");
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            result[key] = TensorExtensionMethods.Load(reader);
        }

        return result;
    }

    private static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            var b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }

        throw new FormatException("LEB128 value too long");
    }
}
