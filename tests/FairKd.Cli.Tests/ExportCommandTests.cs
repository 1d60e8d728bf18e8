using FairKd.Stages.Train;
using FairKd.Core.Eval;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using Microsoft.ML.OnnxRuntime;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd export` on tiny demo data: the exported model embeds and evaluates like its checkpoint, the file
/// is the same for the same inputs and carries the preprocessing, and bad configurations exit 2 without writing.</summary>
public class ExportCommandTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    /// <summary>The demo's student.</summary>
    private const string DemoSpec = "mobilefacenet:width=0.125";

    /// <summary>A training run folder as `fairkd train` leaves it: model.json and backbone.pth.</summary>
    private string RunFolder(string name, string spec, string? weights, string? preprocessing = null)
    {
        var dir = fx.Dir.Combine(name);
        new TrainRunConfig(spec, "adaface", "identity", 12, false, null, null, [], 1, 8, 0.1, [1], 1, true, 48, new string('0', 64), null)
            { Preprocessing = preprocessing }.Write(dir);
        if (weights is not null) File.Copy(weights, Path.Combine(dir, "backbone.pth"), overwrite: true);
        return dir;
    }

    private static ProcessRunner.Result Ok(params string[] args)
    {
        var r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public void An_exported_demo_student_embeds_and_evaluates_like_its_checkpoint()
    {
        TorchSharp.torch.manual_seed(21);
        var weights = fx.Dir.Combine("demo-student.pth");
        using (var model = ModelRegistry.Create(ModelSpecText.Parse(DemoSpec))) ModelWeights.SavePyTorch(model, weights);
        var run = RunFolder("x-run", DemoSpec, weights);
        var onnx = Path.Combine(run, "model.onnx");
        var r = Ok("export", "--run", run, "--out", onnx);
        Assert.Contains("ONNX Runtime reproduces the network", r.StdOut, StringComparison.Ordinal);

        Ok("embed", "--dataset", fx.Real, "--teacher", DemoSpec, "--weights", weights, "--ethnicity-from-folders", "--out", fx.Dir.Combine("x-c-torch"));
        Ok("embed", "--dataset", fx.Real, "--onnx", onnx, "--ethnicity-from-folders", "--out", fx.Dir.Combine("x-c-onnx"));
        var a = EmbedFixture.Rows(fx.Dir.Combine("x-c-torch"));
        var b = EmbedFixture.Rows(fx.Dir.Combine("x-c-onnx"));
        Assert.Equal(48, a.Count);
        Assert.Equal(a.Select(x => x.Key), b.Select(x => x.Key));
        var maxDiff = a.Zip(b).Max(t => t.First.E.Zip(t.Second.E).Concat(t.First.F.Zip(t.Second.F)).Max(v => Math.Abs(v.First - v.Second)));
        Assert.True(maxDiff < 2e-5, $"embeddings differ by up to {maxDiff}");
        Assert.Equal(a.Select(x => x.N), b.Select(x => x.N), (x, y) => Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)));

        string[] sets = ["--rfw", Path.Combine(fx.Data, "rfw"), "--lfw", $"lfw={fx.Data}/lfw/pairs.txt:{fx.Data}/lfw"];
        Ok(["eval", "--model", DemoSpec, "--weights", weights, .. sets, "--out", fx.Dir.Combine("x-v-torch")]);
        Ok(["eval", "--onnx", onnx, .. sets, "--out", fx.Dir.Combine("x-v-onnx")]);
        var byTorch = EvalJson.Read(Path.Combine(fx.Dir.Combine("x-v-torch"), "eval.json"));
        var byOnnx = EvalJson.Read(Path.Combine(fx.Dir.Combine("x-v-onnx"), "eval.json"));
        Assert.Equal(byTorch.Sets.Select(s => (s.Name, s.Pairs)), byOnnx.Sets.Select(s => (s.Name, s.Pairs)));
        foreach (var (t, o) in byTorch.Sets.Zip(byOnnx.Sets))
        {
            Assert.Equal(t.AccuracyMean, o.AccuracyMean, 6);
            Assert.Equal(t.Auc!.Value, o.Auc!.Value, 4);
        }

        Assert.Equal(byTorch.Rfw!.Average, byOnnx.Rfw!.Average, 6);
    }

    [Fact]
    public void The_same_inputs_give_the_same_bytes_and_the_file_carries_the_preprocessing()
    {
        var first = fx.Dir.Combine("x-same", "a.onnx");
        var second = fx.Dir.Combine("x-same", "b.onnx");
        Ok("export", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--out", first);
        Ok("export", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--out", second);
        var bytes = File.ReadAllBytes(first);
        Assert.Equal(bytes, File.ReadAllBytes(second));
        Ok("export", "--model", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--out", first); // replaces the file
        Assert.Equal(bytes, File.ReadAllBytes(first));
        Assert.Equal(["a.onnx", "b.onnx"], Directory.GetFiles(fx.Dir.Combine("x-same")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        const string centerCrop = "version=1; template=arcface; size=112; normalisation=(x-127.5)/127.5; channels=rgb chw; unaligned=center-crop";
        var run = RunFolder("x-run-r18", EmbedFixture.Spec, EmbedFixture.Weights, centerCrop);
        var fromRun = fx.Dir.Combine("x-same", "run.onnx");
        Ok("export", "--run", run, "--out", fromRun, "--opset", "13");
        using var session = new InferenceSession(fromRun);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(EmbedFixture.Spec, meta["model"]);
        Assert.Equal(centerCrop, meta["preprocessing"]);
        Assert.Equal(ModelWeights.Sha256(EmbedFixture.Weights), meta["weights_sha256"]);
        Assert.Equal("arcface", meta["alignment_template"]);
        Assert.Equal("38.2946,51.6963,73.5318,51.5014,56.0252,71.7366,41.5493,92.3655,70.7299,92.2041", meta["alignment_points"]);
        Assert.Equal("left_eye,right_eye,nose,left_mouth,right_mouth", meta["alignment_landmarks"]);
        Assert.Equal(["input"], session.InputMetadata.Keys);
        Assert.Equal(-1, session.InputMetadata["input"].Dimensions[0]);
    }

    [Theory]
    [InlineData("unknown model", new[] { "--model", "resnet9", "--weights", "W", "--out", "OUT" }, "unknown model 'resnet9'; known models: iresnet18")]
    [InlineData("weights of another model", new[] { "--model", "iresnet34:width=0.03125,emb=16", "--weights", "W", "--out", "OUT" }, "Give the model SPEC the weights were trained with")]
    [InlineData("missing weights", new[] { "--model", "iresnet18", "--weights", "/nonexistent/w.pth", "--out", "OUT" }, "--weights /nonexistent/w.pth: file not found")]
    [InlineData("no weights", new[] { "--model", "iresnet18", "--out", "OUT" }, "needs --weights FILE")]
    [InlineData("two sources", new[] { "--model", "iresnet18", "--weights", "W", "--run", "RUN", "--out", "OUT" }, "give either --model SPEC --weights FILE, or --run DIR")]
    [InlineData("not a run", new[] { "--run", "EMPTY", "--out", "OUT" }, "no model.json; give the output folder of `fairkd train`")]
    [InlineData("unfinished run", new[] { "--run", "RUN", "--out", "OUT" }, "no backbone.pth yet")]
    [InlineData("unwritable output", new[] { "--model", EmbedFixture.Spec, "--weights", "W", "--out", "FILE/model.onnx" }, "cannot write there")]
    [InlineData("output is a folder", new[] { "--model", EmbedFixture.Spec, "--weights", "W", "--out", "EMPTY" }, "is a folder; give the file to write")]
    [InlineData("no output", new[] { "--model", EmbedFixture.Spec, "--weights", "W" }, "--out FILE is required")]
    [InlineData("bad opset", new[] { "--model", EmbedFixture.Spec, "--weights", "W", "--out", "OUT", "--opset", "11" }, "opset 11 is not supported: use 13 to 17")]
    public void Bad_configuration_exits_two_with_what_to_fix_and_writes_nothing(string what, string[] args, string message)
    {
        var dir = fx.Dir.Combine("x-bad-" + what.Replace(' ', '-'));
        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        File.WriteAllText(Path.Combine(dir, "file"), "not a folder");
        var run = RunFolder(Path.Combine(dir, "run"), EmbedFixture.Spec, weights: null);
        var resolved = args.Select(a => a switch
        {
            "W" => EmbedFixture.Weights,
            "OUT" => Path.Combine(dir, "out", "model.onnx"),
            "RUN" => run,
            "EMPTY" => Path.Combine(dir, "empty"),
            _ => a.Replace("FILE", Path.Combine(dir, "file"), StringComparison.Ordinal),
        }).ToArray();
        var r = ProcessRunner.Fairkd(["export", .. resolved]);
        Assert.True(r.ExitCode == 2, what + ": " + r);
        Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")) && Directory.EnumerateFileSystemEntries(Path.Combine(dir, "out")).Any(), what + ": wrote output");
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "empty")));
    }
}
