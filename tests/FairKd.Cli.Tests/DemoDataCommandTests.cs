using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd demo-data`: writes the tree (exit 0), skips a complete rerun, refuses bad scales and other options (exit 2).</summary>
public class DemoDataCommandTests
{
    [Fact]
    public void Tiny_scale_writes_the_tree_and_a_rerun_skips()
    {
        using var dir = new TempDir("cli-demo");
        var outDir = dir.Combine("demo");
        var r = ProcessRunner.Fairkd("demo-data", "--out", outDir, "--scale", "tiny", "--seed", "5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("wrote", r.StdOut, StringComparison.Ordinal);
        foreach (var path in new[]
                 {
                     "README.txt", "demo-data.json", "real/African", "real/Indian", "synthetic-a/groups.csv", "synthetic-b/groups.csv",
                     "unaligned/landmarks.txt", "rfw/test/txts/Asian/Asian_pairs.txt", "rfw/test/txts/Asian/Asian_lmk.txt", "lfw/pairs.txt",
                 })
            Assert.True(File.Exists(Path.Combine(outDir, path)) || Directory.Exists(Path.Combine(outDir, path)), path);
        Assert.Equal(48, Directory.GetFiles(Path.Combine(outDir, "real"), "*.jpg", SearchOption.AllDirectories).Length);

        r = ProcessRunner.Fairkd("demo-data", "--out", outDir, "--scale", "tiny", "--seed", "5");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("nothing to do", r.StdOut, StringComparison.Ordinal);

        r = ProcessRunner.Fairkd("demo-data", "--out", outDir, "--scale", "tiny", "--seed", "6");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("other options", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_scale_exits_two_with_one_line()
    {
        using var dir = new TempDir("cli-demo-bad");
        var r = ProcessRunner.Fairkd("demo-data", "--out", dir.Combine("x"), "--scale", "huge");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--scale must be tiny or small", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("x")));
    }

    [Fact]
    public void Workers_below_one_exit_two_before_anything_is_written()
    {
        using var dir = new TempDir("cli-demo-bad");
        var r = ProcessRunner.Fairkd("demo-data", "--out", dir.Combine("x"), "--scale", "tiny", "--workers", "0");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--workers must be at least 1, got 0", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("x")));
    }

    [Fact]
    public void Help_shows_an_example()
    {
        var r = ProcessRunner.Fairkd("demo-data", "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("example: fairkd demo-data", r.StdOut, StringComparison.Ordinal);
    }
}
