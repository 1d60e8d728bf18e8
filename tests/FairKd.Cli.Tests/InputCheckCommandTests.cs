using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// Input files are read and checked before any model loads: a file given to the wrong option is refused (exit 2) with the
/// count of malformed lines, the first few and the option that reads it, even when the model's weights do not exist
/// (so the message about the weights never comes first), and nothing is written.
/// </summary>
public class InputCheckCommandTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private const string NoWeights = "/nonexistent/weights.pth";

    private string LfwPairs => Path.Combine(fx.Data, "lfw", "pairs.txt");

    private static void AssertRefusedFirst(ProcessRunner.Result r, string expected)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(expected, r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("weights", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("embedded", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void An_lfw_pairs_txt_given_to_pairs_is_refused_before_the_model_with_the_lfw_option()
    {
        var outDir = fx.Dir.Combine("ic-eval");
        var r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", NoWeights,
            "--pairs", $"cplfw={LfwPairs}:{fx.Data}/lfw", "--out", outDir);
        AssertRefusedFirst(r, "malformed lines, 0 valid pairs; this looks like an LFW pairs.txt");
        Assert.Contains("use --lfw NAME=PAIRS_FILE:IMAGE_ROOT", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("\n  line 2: expected 'file label', found 3 fields", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));

        // Given to the right option, the same command gets as far as the missing weights.
        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", NoWeights, "--lfw", $"lfw={LfwPairs}:{fx.Data}/lfw", "--out", outDir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"--weights {NoWeights}: file not found", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_names_the_option_for_packs_lists_and_landmarks_given_to_the_wrong_one()
    {
        var pack = RepoPaths.Golden("eval/packs/p3-bytes.bin");
        var r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", NoWeights, "--lfw", $"lfw={pack}:{fx.Data}/lfw", "--out", fx.Dir.Combine("ic-1"));
        AssertRefusedFirst(r, "this looks like an InsightFace .bin pack (a Python pickle): use --bin NAME=FILE");

        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", NoWeights, "--bin", $"lfw={LfwPairs}", "--out", fx.Dir.Combine("ic-2"));
        AssertRefusedFirst(r, "this looks like an LFW pairs.txt");

        var lmk = Path.Combine(fx.Data, "unaligned", "landmarks.txt");
        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", NoWeights, "--lfw", $"lfw={LfwPairs}:{fx.Data}/lfw",
            "--landmarks", $"lfw={LfwPairs}", "--out", fx.Dir.Combine("ic-3"));
        AssertRefusedFirst(r, $"--landmarks lfw={LfwPairs}: ");
        Assert.Contains("this looks like an LFW pairs.txt", r.StdErr, StringComparison.Ordinal);

        r = ProcessRunner.Fairkd("eval", "--model", EmbedFixture.Spec, "--weights", NoWeights, "--pairs", $"x={lmk}:{fx.Data}/unaligned", "--out", fx.Dir.Combine("ic-4"));
        AssertRefusedFirst(r, "this looks like a 5-point landmark file (path, label, 10 coordinates): use --landmarks NAME=FILE");
    }

    [Fact]
    public void Embed_checks_path_lists_and_the_predictions_file_before_any_model()
    {
        var outDir = fx.Dir.Combine("ic-embed");
        var r = ProcessRunner.Fairkd("embed", "--paths", $"x={LfwPairs}", "--teacher", EmbedFixture.Spec, "--weights", NoWeights,
            "--ethnicity-model", EmbedFixture.Spec, "--ethnicity-weights", NoWeights, "--out", outDir);
        AssertRefusedFirst(r, $"--paths x={LfwPairs}: ");
        Assert.Contains("malformed lines, 0 valid paths; this looks like an LFW pairs.txt", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));

        var lmk = Path.Combine(fx.Data, "unaligned", "landmarks.txt");
        r = ProcessRunner.Fairkd("embed", "--dataset", fx.Real, "--teacher", EmbedFixture.Spec, "--weights", NoWeights,
            "--ethnicity-file", lmk, "--out", outDir);
        AssertRefusedFirst(r, $"--ethnicity-file {lmk}: ");
        Assert.Contains("this looks like a 5-point landmark file (path, label, 10 coordinates): use --landmarks NAME=FILE", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_refuses_a_pairs_file_given_as_landmarks_before_writing_anything()
    {
        var outDir = fx.Dir.Combine("ic-ingest");
        var r = ProcessRunner.Fairkd("ingest", "--dataset", $"un={fx.Data}/unaligned:group/identity/image", "--landmarks", $"un={LfwPairs}", "--out", outDir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"--landmarks un={LfwPairs}: ", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("malformed lines, 0 valid landmark rows; this looks like an LFW pairs.txt", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }
}
