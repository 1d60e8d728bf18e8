using System.Globalization;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Stages.Train;
using FairKd.Torch.Export;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Stages.Export;

/// <summary>What an export run wrote.</summary>
/// <param name="OutFile">The ONNX file written.</param>
/// <param name="Bytes">Its size in bytes.</param>
/// <param name="SmallestCosine">The smallest cosine between the network's and ONNX Runtime's embeddings of the test inputs
/// (<see cref="OnnxParity"/>; the file is written only when it passes).</param>
public sealed record ExportResult(string OutFile, long Bytes, double SmallestCosine);

/// <summary>
/// The export stage: a trained network written as an ONNX model with the alignment and preprocessing it was trained for in
/// the metadata (<see cref="ExportRun"/>, <see cref="OnnxExport"/>), checked against the network in ONNX Runtime before it
/// is written atomically. `fairkd export` is parse -> options -> this -> exit code. <see cref="Prepare"/> finds everything
/// that can be wrong with the options (sources, opset, an unwritable output) before the network loads: a mistake is a
/// <see cref="UsageException"/> naming the option.
/// </summary>
public sealed class ExportStage
{
    private readonly ExportRun.Source _source;
    private readonly OnnxExportOptions _export;
    private readonly string _outFile;

    private ExportStage(ExportRun.Source source, OnnxExportOptions export, string outFile)
    {
        _source = source;
        _export = export;
        _outFile = outFile;
    }

    /// <summary>Checks <paramref name="options"/>: exactly one source (a run folder's model.json and backbone.pth read), the
    /// opset, and that the output can be written; throws <see cref="UsageException"/> naming the option to fix.</summary>
    public static ExportStage Prepare(ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var source = ExportRun.Resolve(options.Model, options.Weights, options.Run);
        var export = new OnnxExportOptions { Opset = options.Opset };
        export.Validate();
        ExportRun.EnsureWritable(options.OutFile);
        return new ExportStage(source, export, options.OutFile!);
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    public static Task<ExportResult> RunAsync(ExportOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options).RunAsync(reporter, ct);

    /// <summary>Loads the network, exports and checks it, writes the file; its lines go to <paramref name="reporter"/> (null: none).</summary>
    public Task<ExportResult> RunAsync(StageReporter? reporter, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var log = reporter ?? StageReporter.Silent;
        using var network = ModelRegistry.Create(_source.Spec);
        try
        {
            ModelWeights.Load(network, _source.Weights);
        }
        catch (WeightsMismatchException e)
        {
            throw new UsageException($"{e.Message}. Give the model SPEC the weights were trained with ({TrainRunConfig.FileName} of the run records it, or use --run DIR)");
        }

        var bytes = OnnxExport.ToBytes(network, _export with { Metadata = ExportRun.Metadata(_source) });
        var cosine = OnnxParity.Check(network, bytes);
        ct.ThrowIfCancellationRequested();
        AtomicFile.WriteAllBytes(_outFile, bytes);
        var s = _source.Spec;
        log.Info($"export: wrote {_outFile} ({ModelSpecText.Format(s)}: input [batch, 3, {s.InputSize}, {s.InputSize}] RGB (x-127.5)/127.5, " +
            $"output [batch, {s.EmbeddingSize}], opset {_export.Opset}, {bytes.Length / 1024.0:F0} KiB)");
        log.Info($"export: ONNX Runtime reproduces the network (smallest embedding cosine {cosine.ToString("F6", CultureInfo.InvariantCulture)} on 2 test inputs)");
        return Task.FromResult(new ExportResult(_outFile, bytes.Length, cosine));
    }
}
