using System.Security.Cryptography;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Cache;

public class KeyIndexTests
{
    private static readonly byte[] Print = SHA256.HashData("shards"u8);

    private static string[] MixedKeys()
    {
        var keys = new List<string>();
        for (var i = 0; i < 300; i++) keys.Add($"bupt/{(i % 3 == 0 ? "African" : "Asian")}/m.0{i / 7:x4}/{i:D6}.jpg");
        keys.Add("dcface/ñandú/ümlaut/𝔘nicode-😀.png");
        keys.Add("x");
        keys.Add("long/" + new string('a', 700) + "/end.jpg"); // beyond the 512-byte stack buffer
        keys.Add("longer/" + new string('é', 900) + "/end.jpg"); // beyond the 1,024-byte scratch
        keys.Add("");
        return [.. keys];
    }

    [Theory]
    [InlineData(64)]
    [InlineData(3)] // 8 distinct hashes for 305 keys: every lookup resolves a collision by the full key
    public void Every_key_maps_to_its_row_and_absent_keys_are_not_found(int hashBits)
    {
        using var tmp = new TempDir("keyidx");
        var keys = MixedKeys();
        var path = tmp.Combine(KeyIndex.FileName);
        KeyIndexBuilder.Write(path, keys, keys.Length, Print, hashBits);
        using var index = KeyIndex.TryOpen(path, Print, keys.Length)!;
        Assert.NotNull(index);
        index.CheckUnique("test");
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.True(index.TryGetRow(keys[i], out var row), keys[i]);
            Assert.Equal(i, row);
            Assert.Equal(keys[i], index.KeyAt(i));
        }

        foreach (var absent in new[] { "bupt/African/m.00000/000001.jpg", "bupt/Asian/m.0000/000000.jpg", "y", "long/" + new string('a', 700), "dcface/ñandú" })
            Assert.False(index.TryGetRow(absent, out _), absent);
    }

    [Fact]
    public void The_file_is_the_same_bytes_for_the_same_keys()
    {
        using var tmp = new TempDir("keyidx");
        var keys = MixedKeys();
        KeyIndexBuilder.Write(tmp.Combine("a"), keys, keys.Length, Print);
        KeyIndexBuilder.Write(tmp.Combine("b"), keys, keys.Length, Print);
        Assert.Equal(File.ReadAllBytes(tmp.Combine("a")), File.ReadAllBytes(tmp.Combine("b")));
        Assert.Empty(Directory.EnumerateFiles(tmp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void An_index_of_other_shards_another_count_a_cut_file_or_another_version_does_not_open()
    {
        using var tmp = new TempDir("keyidx");
        var keys = MixedKeys();
        var path = tmp.Combine(KeyIndex.FileName);
        KeyIndexBuilder.Write(path, keys, keys.Length, Print);
        Assert.Null(KeyIndex.TryOpen(path, SHA256.HashData("other shards"u8), keys.Length));
        Assert.Null(KeyIndex.TryOpen(path, Print, keys.Length - 1));
        Assert.Null(KeyIndex.TryOpen(tmp.Combine("missing"), Print, keys.Length));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(tmp.Combine("cut"), bytes[..^4]);
        Assert.Null(KeyIndex.TryOpen(tmp.Combine("cut"), Print, keys.Length));
        bytes[8] = 2;
        File.WriteAllBytes(tmp.Combine("v2"), bytes);
        Assert.Null(KeyIndex.TryOpen(tmp.Combine("v2"), Print, keys.Length));
    }

    [Fact]
    public void Empty_and_duplicate_key_lists()
    {
        using var tmp = new TempDir("keyidx");
        KeyIndexBuilder.Write(tmp.Combine("empty"), [], 0, Print);
        using (var empty = KeyIndex.TryOpen(tmp.Combine("empty"), Print, 0)!)
            Assert.False(empty.TryGetRow("a", out _));
        KeyIndexBuilder.Write(tmp.Combine("dup"), ["a/1", "b/2", "a/1"], 3, Print, hashBits: 2);
        using var dup = KeyIndex.TryOpen(tmp.Combine("dup"), Print, 3)!;
        Assert.Contains("'a/1' appears twice", Assert.Throws<InvalidDataException>(() => dup.CheckUnique("cache")).Message);
        Assert.Throws<InvalidOperationException>(() => KeyIndexBuilder.Write(tmp.Combine("short"), ["a"], 2, Print));
    }
}
