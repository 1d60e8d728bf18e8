using Cocona;
using FairKd.Cli.Help;
using FairKd.Core;
using FairKd.Stages.Export;
using FairKd.Torch.Export;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd export`: a trained student or teacher as an ONNX model.</summary>
internal sealed class ExportCommand
{
    [Command("export", Description =
        "Write a trained network as an ONNX model (opset 13-17, dynamic batch): input 'input' [batch, 3, S, S] aligned RGB faces as " +
        "(x-127.5)/127.5, output 'embedding' [batch, E] raw embeddings; a BatchNorm after a convolution or linear layer is folded into it. The metadata records " +
        "the input size, channel order, mean/std, ArcFace alignment template, embedding size, preprocessing and weights SHA-256. " +
        "The export is checked against the network in ONNX Runtime before it is written (atomically; same inputs, same bytes). " +
        "`fairkd embed --onnx` and `fairkd eval --onnx` take the file.\n" +
        "  example: fairkd export --run runs/r34-mix-kd --out runs/r34-mix-kd/model.onnx\n" +
        "  example: fairkd export --model iresnet100 --weights /models/r100.pth --out /models/r100.onnx")]
    public Task<int> Export(
        [Option("model", Description = "model SPEC: registry name[:width=,input=,emb=] (with --weights)")] string? model = null,
        [Option("weights", Description = "weights (.pth/.pt zip, safetensors, TorchSharp .dat)")] string? weights = null,
        [Option("run", Description = "a `fairkd train` output folder (its model.json and backbone.pth) instead of --model/--weights")] string? run = null,
        [Option("out", Description = "the ONNX file to write (replaced atomically)"), RequiredOption] string? @out = null,
        [Option("opset", Description = "ONNX opset")] int opset = OnnxExportOptions.MaxOpset,
        [Option("verbose", Description = "print stack traces on failure")] bool verbose = false) =>
        StageCall.RunAsync(verbose, () => new ExportOptions { Model = model, Weights = weights, Run = run, OutFile = @out, Opset = opset }, RunAsync, CancellationToken.None);

    private static async Task<int> RunAsync(ExportOptions options, CancellationToken ct)
    {
        await ExportStage.RunAsync(options, ConsoleReporter.Instance, ct);
        return ExitCodes.Success;
    }
}
