namespace FairKd.Torch.Tests.Train;

/// <summary>Reads a TensorBoard event file (TFRecord framing with masked CRC-32C checks) into scalar (tag, step, value) triples.</summary>
internal static class TensorBoardReader
{
    public static List<(string Tag, long Step, float Value)> Scalars(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var result = new List<(string, long, float)>();
        var pos = 0;
        while (pos < bytes.Length)
        {
            var header = bytes.AsSpan(pos, 8);
            var length = (int)BitConverter.ToUInt64(header);
            Assert.Equal(Masked(header), BitConverter.ToUInt32(bytes, pos + 8));
            var data = bytes.AsSpan(pos + 12, length);
            Assert.Equal(Masked(data), BitConverter.ToUInt32(bytes, pos + 12 + length));
            pos += 16 + length;
            var ev = Tensorboard.Event.Parser.ParseFrom(data.ToArray());
            if (ev.Summary is null) continue;
            foreach (var v in ev.Summary.Value) result.Add((v.Tag, ev.Step, v.SimpleValue));
        }

        return result;
    }

    private static uint Masked(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }

        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
