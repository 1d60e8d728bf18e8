using System.Globalization;
using FairKd.Core.Pipeline;
using FairKd.Torch.Export;

namespace FairKd.Stages.Export;

/// <summary>
/// Options of the export stage (<see cref="ExportStage"/>): a trained network, given as <see cref="Model"/> and
/// <see cref="Weights"/> or as a training run folder (<see cref="Run"/>), written as an ONNX model. The values are as
/// `fairkd export` takes them, with the command's defaults, so the command, a pipeline step and a library caller build the
/// same record.
/// </summary>
public sealed record ExportOptions : IStageOptions
{
    /// <summary>Model SPEC, registry name[:width=,input=,emb=], with <see cref="Weights"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Weights (.pth/.pt zip, safetensors, TorchSharp .dat), with <see cref="Model"/>.</summary>
    public string? Weights { get; init; }

    /// <summary>A `fairkd train` output folder (its model.json and backbone.pth) instead of <see cref="Model"/>/<see cref="Weights"/>.</summary>
    public string? Run { get; init; }

    /// <summary>The ONNX file to write (replaced atomically; `--out`). Required by <see cref="ExportStage"/>.</summary>
    public string? OutFile { get; init; }

    /// <summary>ONNX opset, <see cref="OnnxExportOptions.MinOpset"/> to <see cref="OnnxExportOptions.MaxOpset"/>. Default
    /// <see cref="OnnxExportOptions.MaxOpset"/>.</summary>
    public int Opset { get; init; } = OnnxExportOptions.MaxOpset;

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string> { "export" };
        if (Model is not null) a.AddRange(["--model", Model]);
        if (Weights is not null) a.AddRange(["--weights", Weights]);
        if (Run is not null) a.AddRange(["--run", Run]);
        if (OutFile is not null) a.AddRange(["--out", OutFile]);
        if (Opset != OnnxExportOptions.MaxOpset) a.AddRange(["--opset", Opset.ToString(CultureInfo.InvariantCulture)]);
        return a;
    }
}
