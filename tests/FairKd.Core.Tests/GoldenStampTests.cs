using System.Security.Cryptography;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests;

/// <summary>
/// Every golden folder (tests/golden/SET/generate.py) matches its committed generate.sha256 (sha256sum format): the
/// goldens are exactly what the committed generator wrote, so a clone uses them as they are, without Python. The same
/// rule as tests/golden/generate.sh: every file of the folder but generate.sha256, check_*.py peers and __pycache__.
/// </summary>
public sealed class GoldenStampTests
{
    private static List<string> SetNames() =>
        Directory.GetFiles(RepoPaths.Golden(""), "generate.py", SearchOption.AllDirectories)
            .Select(g => Path.GetFileName(Path.GetDirectoryName(g)!)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> Sets() => new(SetNames());

    [Fact]
    public void Every_generator_folder_is_found()
    {
        Assert.Equal(["alignment", "bootstrap", "eval", "losses", "models", "onnx", "recordio", "sampling"], SetNames());
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Committed_goldens_match_their_stamp(string set)
    {
        var dir = RepoPaths.Golden(set);
        var stamp = Path.Combine(dir, "generate.sha256");
        Assert.True(File.Exists(stamp), $"tests/golden/{set}/generate.sha256 is missing: run bash tests/golden/generate.sh {set}");
        var stamped = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(stamp))
        {
            Assert.True(line.Length > 66 && line[64] == ' ' && line[65] == ' ', $"{set}/generate.sha256: not sha256sum format: '{line}'");
            stamped.Add(line[66..], line[..64]);
        }

        var covered = Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => f != "generate.sha256" && !(Path.GetFileName(f).StartsWith("check_", StringComparison.Ordinal) && f.EndsWith(".py", StringComparison.Ordinal))
                        && !f.Split('/').Contains("__pycache__"))
            .Order(StringComparer.Ordinal).ToList();
        var hint = $"regenerate with bash tests/golden/generate.sh {set} (needs the Python peers) or restore with git checkout -- tests/golden/{set}";
        Assert.True(stamped.Keys.SequenceEqual(covered),
            $"tests/golden/{set}: files {string.Join(", ", covered.Except(stamped.Keys))} not stamped, {string.Join(", ", stamped.Keys.Except(covered))} missing; {hint}");
        foreach (var (file, hash) in stamped)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, file))));
            Assert.True(actual == hash, $"tests/golden/{set}/{file} differs from generate.sha256; {hint}");
        }
    }
}
