using System.Security.Cryptography;
using System.Text.Json;
using CsCheck;
using FairKd.Data.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Eval;

public sealed class BinPackReaderTests
{
    private static readonly JsonElement Manifest = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("eval/packs/packs.json"))).RootElement;

    private static string Pack(string name) => RepoPaths.Golden($"eval/packs/{name}.bin");

    public static TheoryData<string> ValidPacks()
    {
        var data = new TheoryData<string>();
        foreach (var n in Manifest.GetProperty("valid").EnumerateArray()) data.Add(n.GetString()!);
        return data;
    }

    public static TheoryData<string> HostilePacks()
    {
        var data = new TheoryData<string>();
        foreach (var n in Manifest.GetProperty("hostile").EnumerateArray()) data.Add(n.GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidPacks))]
    public void Python_written_packs_read_back_exactly(string name)
    {
        var pack = BinPackReader.Read(Pack(name));
        var hashes = Manifest.GetProperty("images").EnumerateArray().Select(e => e.GetString()).ToArray();
        var flags = Manifest.GetProperty("issame").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        Assert.Equal(flags, pack.IsSame);
        Assert.Equal(flags.Length, pack.Pairs);
        Assert.Equal(hashes, pack.Images.Select(i => Convert.ToHexStringLower(SHA256.HashData(i))));
    }

    [Fact]
    public void Manifest_covers_every_protocol_and_variant()
    {
        var names = Manifest.GetProperty("valid").EnumerateArray().Select(e => e.GetString()).ToArray();
        foreach (var expected in new[] { "p2-bytes", "p3-bytes", "p4-bytes", "p2-numpy", "p3-numpy", "p4-numpy", "py2-p2-binstring", "py2-p1-int-bools" })
            Assert.Contains(expected, names);
    }

    [Theory]
    [MemberData(nameof(HostilePacks))]
    public void Packs_calling_code_are_refused(string name)
    {
        var ex = Assert.Throws<PackFormatException>(() => BinPackReader.Read(Pack(name)));
        Assert.Contains("system is not allowed", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Offset > 0);
    }

    [Fact]
    public void Numpy_arrays_that_are_not_encoded_images_are_refused()
    {
        foreach (var p in Manifest.GetProperty("invalid").EnumerateObject())
        {
            var ex = Assert.Throws<PackFormatException>(() => BinPackReader.Read(Pack(p.Name)));
            Assert.Contains(p.Value.GetString()!, ex.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Oversized_lengths_are_refused_with_offset()
    {
        // BINBYTES claiming 1 MiB in an 11-byte stream, and an item over the configured cap.
        byte[] huge = [0x80, 0x03, (byte)'B', 0x00, 0x00, 0x10, 0x00, 1, 2, 3, (byte)'.'];
        var ex = Assert.Throws<PackFormatException>(() => BinPackReader.Parse(huge));
        Assert.Equal(2, ex.Offset);
        Assert.Contains("past the end", ex.Reason, StringComparison.Ordinal);
        var valid = File.ReadAllBytes(Pack("p3-bytes"));
        var capped = Assert.Throws<PackFormatException>(() => BinPackReader.Parse(valid, new BinPackOptions { MaxItemBytes = 100 }));
        Assert.Contains("cap", capped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Structural_mismatches_are_refused()
    {
        // ([b'a'], [True]): one image for one pair.
        byte[] oneImage = [0x80, 0x03, (byte)']', (byte)'C', 1, (byte)'a', (byte)'a', (byte)']', 0x88, (byte)'a', 0x86, (byte)'.'];
        var ex = Assert.Throws<PackFormatException>(() => BinPackReader.Parse(oneImage));
        Assert.Contains("1 images for 1 pairs", ex.Reason, StringComparison.Ordinal);
        byte[] protocol0 = [(byte)'(', (byte)'l', (byte)'p', (byte)'0', (byte)'\n', (byte)'.'];
        Assert.Throws<PackFormatException>(() => BinPackReader.Parse(protocol0));
        byte[] notAPair = [0x80, 0x02, 0x88, (byte)'.'];
        Assert.Throws<PackFormatException>(() => BinPackReader.Parse(notAPair));
    }

    [Fact]
    public void Truncations_of_a_valid_pack_only_raise_PackFormatException()
    {
        var valid = File.ReadAllBytes(Pack("p4-numpy"));
        Gen.Int[0, valid.Length - 1].Sample(cut =>
        {
            var ex = Assert.Throws<PackFormatException>(() => BinPackReader.Parse(valid[..cut]));
            Assert.InRange(ex.Offset, 0, cut);
        }, iter: 400);
    }

    [Fact]
    public async Task Random_bytes_and_mutations_never_escape_as_other_exceptions()
    {
        // Bounded: a hang in the reader fails the test (TimeoutException) instead of stalling the suite.
        await Task.Run(RandomInputs).WaitAsync(TimeSpan.FromSeconds(90));
    }

    private static void RandomInputs()
    {
        var valid = File.ReadAllBytes(Pack("p2-numpy"));
        var random = Gen.Byte.Array[0, 200];
        var mutated = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[1, valid.Length])
            .Select(t =>
            {
                var copy = valid[..t.Item3];
                if (t.Item1 < copy.Length) copy[t.Item1] = t.Item2;
                return copy;
            });
        foreach (var gen in new[] { random, mutated })
        {
            gen.Sample(bytes =>
            {
                try
                {
                    BinPackReader.Parse(bytes);
                }
                catch (PackFormatException)
                {
                }
            }, iter: 2000);
        }
    }
}
