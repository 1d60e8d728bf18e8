using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Core.Pipeline;
using FairKd.Data.Imaging;
using FairKd.Stages.Eval;
using FairKd.Stages.Export;
using FairKd.Stages.Report;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// eval, report and export are the same call from a command line and from a library caller: each options record's
/// <c>ToArgs()</c> parses back (through the real `fairkd` command, in process) to an equal record, a hand-written command
/// line gives the record a library caller builds, and the stage called directly writes what the command writes.
/// </summary>
public sealed class SameCallEvalTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    [Fact]
    public async Task Eval_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new EvalOptions { OutDir = "/tmp/eval", Model = "iresnet34", Weights = "/m/backbone.pth", Rfw = "/data/rfw" });
        // Every property away from its default (a record the stage would refuse, e.g. four sources: the command only parses).
        AssertAllDiffer(new EvalOptions(), FullEval);
        await SameCall.AssertRoundTripAsync(FullEval);
        var parsed = await SameCall.ParseAsync(["eval", "--onnx", "m.onnx", "--lfw", "lfw=p.txt:img", "--out", "o", "--fmr", "0.01,0.001",
            "--unaligned", "center-crop", "--seed", "0", "--workers", "3"]);
        Assert.Equal(SameCall.Json(new EvalOptions
        {
            Onnx = "m.onnx", Lfw = ["lfw=p.txt:img"], OutDir = "o", Fmr = "0.01,0.001", Unaligned = UnalignedPolicy.CenterCrop, Seed = 0, Workers = 3,
        }), SameCall.Json(parsed));
    }

    private static EvalOptions FullEval => new()
    {
        OutDir = "out dir", Model = "mobilefacenet:width=0.125", Weights = "/w.pth", Onnx = "/m.onnx", Cache = "/cache", Rfw = "/rfw",
        Lfw = ["lfw=/l/pairs.txt:/l", "lfw2=/l2/pairs.txt:/l2"], Pairs = ["cplfw=/c/pairs.txt:/c"], LandmarkFiles = ["cplfw=/c/lmk.txt"],
        Bin = ["cfp_fp=/b/cfp_fp.bin", "agedb=/b/agedb_30.bin"], BatchSize = 7, Workers = Core.MachineDefaults.Workers + 1, Threads = 3, OnnxRuns = 2,
        OnnxInterThreads = 4, Device = "cuda:1", Unaligned = UnalignedPolicy.CenterCrop, Bootstrap = 250, Seed = 9, Fmr = "1e-2", Run = "/runs/r34",
        Checkpoints = "epoch-0001,epoch-0003", Select = "best-val",
    };

    [Fact]
    public async Task Eval_stage_called_directly_writes_what_the_command_writes()
    {
        var byCommand = fx.Dir.Combine("same-eval-cli");
        var byLibrary = fx.Dir.Combine("same-eval-lib");
        var options = new EvalOptions
        {
            Model = EmbedFixture.Spec, Weights = EmbedFixture.Weights, Rfw = Path.Combine(fx.Data, "rfw"), Lfw = [$"lfw={fx.Data}/lfw/pairs.txt:{fx.Data}/lfw"],
            BatchSize = 5, Bootstrap = 200, Seed = 3, Fmr = "0.05,0.5",
        };
        var r = ProcessRunner.Fairkd([.. (options with { OutDir = byCommand }).ToArgs()]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var result = await EvalStage.RunAsync(options with { OutDir = byLibrary }, StageReporter.Silent, CancellationToken.None);

        Assert.Equal((byLibrary, 0), (result.OutDir, result.Checkpoints));
        Assert.Equal(File.ReadAllBytes(Path.Combine(byCommand, ScoresCsv.FileName)), File.ReadAllBytes(Path.Combine(byLibrary, ScoresCsv.FileName)));
        var cli = EvalJson.Read(Path.Combine(byCommand, "eval.json"));
        var lib = EvalJson.Read(Path.Combine(byLibrary, "eval.json"));
        Assert.Equal(EvalJson.Serialize(lib), EvalJson.Serialize(result.Eval!));
        // The same but for the run's own provenance fields (start, wall time, throughput), as a rerun of the command.
        Assert.Equal(EvalJson.Serialize(cli with { Provenance = null }), EvalJson.Serialize(lib with { Provenance = null }));
        Assert.Equal(JsonSerializer.Serialize(cli.Provenance! with { StartedUtc = default, WallSeconds = 0, Throughput = null }),
            JsonSerializer.Serialize(lib.Provenance! with { StartedUtc = default, WallSeconds = 0, Throughput = null }));
        Assert.Contains("RFW: African", r.StdOut, StringComparison.Ordinal);

        // The stage's checks are the command's: a library caller gets the same usage error, before anything is written.
        var refused = fx.Dir.Combine("same-eval-refused");
        var e = Assert.Throws<Core.UsageException>(() => EvalStage.Prepare(options with { OutDir = refused, Fmr = "1e-3,2" }));
        Assert.Contains("'2' is not an FMR target in (0, 1)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<Core.UsageException>(() => EvalStage.Prepare(options with { OutDir = refused, Onnx = EmbedFixture.Onnx }));
        Assert.Contains("exactly one of", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(refused));
    }

    [Fact]
    public async Task Report_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new ReportOptions { EvalDirs = ["/runs/a/eval"], OutDir = "/tmp/report" });
        var full = new ReportOptions { EvalDirs = ["runs/r34 real", "runs/r34-kd"], OutDir = "out dir", Reference = "/ref/paper-results.md", Bootstrap = 300, Seed = 4 };
        AssertAllDiffer(new ReportOptions(), full);
        await SameCall.AssertRoundTripAsync(full);
        var parsed = await SameCall.ParseAsync(["report", "a", "b", "--out", "o", "--bootstrap", "0"]);
        Assert.Equal(SameCall.Json(new ReportOptions { EvalDirs = ["a", "b"], OutDir = "o", Bootstrap = 0 }), SameCall.Json(parsed));
    }

    [Fact]
    public async Task Report_stage_called_directly_writes_what_the_command_writes()
    {
        using var tmp = new TempDir("same-report");
        Report.ReportCommandTests.MakeRun(tmp.Combine("base"), 2, 0.9, new Core.Report.RunLabel(Loss: "AdaFace", Model: "r34", Distillation: false, Data: "Real"));
        Report.ReportCommandTests.MakeRun(tmp.Combine("kd"), 6, 1.1, new Core.Report.RunLabel(Loss: "AdaFace", Model: "r34", Distillation: true, Data: "Real"));
        var options = new ReportOptions { EvalDirs = [tmp.Combine("base"), tmp.Combine("kd")], Reference = ReferenceFiles.PaperResults, Bootstrap = 300 };
        var r = ProcessRunner.Fairkd([.. (options with { OutDir = tmp.Combine("cli") }).ToArgs()]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var result = await ReportStage.RunAsync(options with { OutDir = tmp.Combine("lib") }, StageReporter.Silent, CancellationToken.None);

        static string[] Names(IEnumerable<string> files) => [.. files.Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];
        Assert.Equal((tmp.Combine("lib", "report.md"), 2), (result.ReportFile, result.Runs));
        // the folder holds the report's files and the (empty) lock every stage run takes on its output folder
        Assert.Equal([Core.IO.RunFolder.LockFileName, .. Names(result.Files)], Names(Directory.GetFiles(tmp.Combine("cli"))));
        Assert.Equal(0, new FileInfo(tmp.Combine("cli", Core.IO.RunFolder.LockFileName)).Length);
        Assert.Contains("kd-comparisons.md", Names(result.Files));
        foreach (var f in result.Files)
            Assert.True(File.ReadAllBytes(f).SequenceEqual(File.ReadAllBytes(tmp.Combine("cli", Path.GetFileName(f)))), Path.GetFileName(f));
        Assert.Contains($"report: 2 runs -> {tmp.Combine("cli", "report.md")} ({result.Files.Count} files)", r.StdOut, StringComparison.Ordinal);

        var e = Assert.Throws<Core.UsageException>(() => ReportStage.Prepare(options with { OutDir = tmp.Combine("refused"), Bootstrap = 10 }));
        Assert.Contains("at least 100 resamples", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.Combine("refused")));
    }

    [Fact]
    public async Task Export_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new ExportOptions { Run = "/runs/r34", OutFile = "/runs/r34/model.onnx" });
        var full = new ExportOptions { Model = "iresnet34:width=0.5", Weights = "/w/backbone.pth", Run = "/runs/r34", OutFile = "out dir/model.onnx", Opset = 13 };
        AssertAllDiffer(new ExportOptions(), full);
        await SameCall.AssertRoundTripAsync(full);
        var parsed = await SameCall.ParseAsync(["export", "--model", "iresnet18", "--weights", "w.pth", "--out", "m.onnx", "--opset", "15"]);
        Assert.Equal(SameCall.Json(new ExportOptions { Model = "iresnet18", Weights = "w.pth", OutFile = "m.onnx", Opset = 15 }), SameCall.Json(parsed));
    }

    [Fact]
    public async Task Export_stage_called_directly_writes_what_the_command_writes()
    {
        var options = new ExportOptions { Model = EmbedFixture.Spec, Weights = EmbedFixture.Weights, Opset = 14 };
        var byCommand = fx.Dir.Combine("same-export", "cli.onnx");
        var r = ProcessRunner.Fairkd([.. (options with { OutFile = byCommand }).ToArgs()]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var byLibrary = fx.Dir.Combine("same-export", "lib.onnx");
        var result = await ExportStage.RunAsync(options with { OutFile = byLibrary }, StageReporter.Silent, CancellationToken.None);

        Assert.Equal(File.ReadAllBytes(byCommand), File.ReadAllBytes(byLibrary));
        Assert.Equal((byLibrary, new FileInfo(byLibrary).Length), (result.OutFile, result.Bytes));
        Assert.True(result.SmallestCosine > 0.9999, $"smallest cosine {result.SmallestCosine}");
        Assert.Contains($"smallest embedding cosine {result.SmallestCosine.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)}", r.StdOut, StringComparison.Ordinal);

        var e = Assert.Throws<Core.UsageException>(() => ExportStage.Prepare(options with { OutFile = fx.Dir.Combine("same-export", "refused.onnx"), Opset = 11 }));
        Assert.Contains("opset 11 is not supported", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(fx.Dir.Combine("same-export", "refused.onnx")));
    }

    /// <summary>Asserts that every public property of <paramref name="full"/> differs from <paramref name="defaults"/> (JSON of each value).</summary>
    private static void AssertAllDiffer<T>(T defaults, T full)
        where T : IStageOptions
    {
        foreach (var p in typeof(T).GetProperties())
        {
            var a = JsonSerializer.Serialize(p.GetValue(defaults));
            var b = JsonSerializer.Serialize(p.GetValue(full));
            Assert.True(a != b, $"{typeof(T).Name}.{p.Name} is at its default ({a}) in the full record");
        }
    }
}
