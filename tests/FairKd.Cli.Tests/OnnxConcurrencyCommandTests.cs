using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// `fairkd eval --onnx` and `fairkd embed --onnx` write the same bytes whatever the concurrency: concurrent runs of a
/// fixed-batch-1 model (--onnx-runs), decode workers, batch sizes, and ONNX Runtime threads of a dynamic-batch model
/// (tests/golden/onnx models on the tiny demo data); and the ONNX options' usage errors.
/// </summary>
public class OnnxConcurrencyCommandTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private static string Fixed1 => RepoPaths.Golden("onnx/face_fixed1.onnx");

    private static string Dynamic => RepoPaths.Golden("onnx/face_dynamic.onnx");

    private string Lfw => $"lfw={fx.Data}/lfw/pairs.txt:{fx.Data}/lfw";

    private string Eval(string name, string model, params string[] options)
    {
        var run = fx.Dir.Combine(name);
        var r = ProcessRunner.Fairkd(["eval", "--onnx", model, "--rfw", Path.Combine(fx.Data, "rfw"), "--lfw", Lfw, "--out", run, .. options]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut;
    }

    private string Embed(string name, string model, params string[] options)
    {
        var r = ProcessRunner.Fairkd(["embed", "--dataset", fx.Real, "--onnx", model, "--ethnicity-from-folders", "--out", fx.Dir.Combine(name), "--shard-rows", "20", .. options]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut;
    }

    /// <summary>Every file of folder <paramref name="b"/> has the bytes of the same file in <paramref name="a"/>, and no file is missing
    /// (eval.json and _cache.json but for their provenance's run fields: host, start, wall time, throughput).</summary>
    private void AssertSameFiles(string a, string b)
    {
        var files = Directory.GetFiles(fx.Dir.Combine(a), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(fx.Dir.Combine(a), f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, Directory.GetFiles(fx.Dir.Combine(b), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(fx.Dir.Combine(b), f)).Order(StringComparer.Ordinal));
        foreach (var f in files)
        {
            if (RunFields.HasProvenance(f)) Assert.Equal(RunFields.Without(fx.Dir.Combine(a, f)), RunFields.Without(fx.Dir.Combine(b, f)));
            else Assert.True(File.ReadAllBytes(fx.Dir.Combine(a, f)).AsSpan().SequenceEqual(File.ReadAllBytes(fx.Dir.Combine(b, f))), $"{a}/{f} and {b}/{f} differ");
        }
    }

    [Fact]
    public void Eval_json_is_the_same_bytes_for_one_or_several_runs_workers_and_threads()
    {
        var one = Eval("o-eval-1", Fixed1, "--onnx-runs", "1", "--workers", "1");
        Assert.Contains("face_fixed1.onnx: fixed batch 1, 1 concurrent run, ONNX Runtime's default intra-op threads each, sequential graph", one, StringComparison.Ordinal);
        var three = Eval("o-eval-3", Fixed1, "--onnx-runs", "3", "--workers", "3", "--batch-size", "7");
        Assert.Contains("fixed batch 1, 3 concurrent runs, 1 intra-op thread each", three, StringComparison.Ordinal);
        Eval("o-eval-auto", Fixed1, "--onnx-inter-threads", "2", "--threads", "2");
        AssertSameFiles("o-eval-1", "o-eval-3");
        AssertSameFiles("o-eval-1", "o-eval-auto");
        Assert.Contains("\"RFW-Indian\"", File.ReadAllText(fx.Dir.Combine("o-eval-1", "eval.json")), StringComparison.Ordinal);

        // A dynamic-batch model takes each batch in one run: the same batches give the same bytes whatever the workers and threads.
        Assert.Contains("dynamic batch, 1 concurrent run", Eval("o-eval-d1", Dynamic, "--workers", "1", "--threads", "1"), StringComparison.Ordinal);
        Eval("o-eval-d3", Dynamic, "--workers", "3", "--threads", "2");
        AssertSameFiles("o-eval-d1", "o-eval-d3");
    }

    [Fact]
    public void The_embed_cache_is_the_same_bytes_for_one_or_several_runs_workers_and_threads()
    {
        Assert.Contains("1 concurrent run,", Embed("o-cache-1", Fixed1, "--onnx-runs", "1", "--workers", "1"), StringComparison.Ordinal);
        Assert.Contains("3 concurrent runs,", Embed("o-cache-3", Fixed1, "--onnx-runs", "3", "--workers", "3", "--batch-size", "7"), StringComparison.Ordinal);
        AssertSameFiles("o-cache-1", "o-cache-3");
        Assert.True(Directory.GetFiles(fx.Dir.Combine("o-cache-1"), "part-*.parquet").Length >= 2, "several shards");

        Embed("o-cache-d1", Dynamic, "--workers", "1", "--threads", "1");
        Embed("o-cache-d3", Dynamic, "--workers", "3", "--threads", "2", "--onnx-inter-threads", "2");
        AssertSameFiles("o-cache-d1", "o-cache-d3");
    }

    [Theory]
    [InlineData("eval", new[] { "--onnx", "F1", "--onnx-runs", "0" }, "--onnx-runs must be at least 1")]
    [InlineData("eval", new[] { "--onnx", "F1", "--onnx-inter-threads", "0" }, "--onnx-inter-threads must be at least 1")]
    [InlineData("eval", new[] { "--model", "iresnet18", "--weights", "W", "--onnx-runs", "2" }, "--onnx-runs applies to an ONNX model")]
    [InlineData("eval", new[] { "--onnx", "DYN", "--onnx-runs", "2" }, "the batch dimension is dynamic")]
    [InlineData("embed", new[] { "--teacher", "iresnet18", "--weights", "W", "--onnx-inter-threads", "2" }, "--onnx-inter-threads applies to ONNX models")]
    [InlineData("embed", new[] { "--onnx", "DYN", "--onnx-runs", "2" }, "--onnx-runs) do not apply")]
    public void Bad_onnx_options_exit_two_naming_the_option(string command, string[] args, string message)
    {
        var mapped = args.Select(a => a switch { "F1" => Fixed1, "DYN" => Dynamic, "W" => EmbedFixture.Weights, _ => a }).ToArray();
        var run = fx.Dir.Combine("o-bad");
        string[] inputs = command == "eval" ? ["--lfw", Lfw] : ["--dataset", fx.Real, "--ethnicity-from-folders"];
        var r = ProcessRunner.Fairkd([command, .. inputs, "--out", run, .. mapped]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(run, "eval.json")));
        Assert.False(File.Exists(Path.Combine(run, "_cache.json")));
    }
}
