using FairKd.Core;

namespace FairKd.Torch.Export;

/// <summary>How <see cref="OnnxExport"/> writes a network.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Lowest opset written: every operator the networks need has its current form from 13 on.</summary>
    public const int MinOpset = 13;

    /// <summary>Highest opset written: the newest that Debian 12's python3-onnx (1.12) checks.</summary>
    public const int MaxOpset = 17;

    /// <summary>Name of the graph input, float32 [batch, 3, S, S]. Default <c>input</c> (as arcface_torch's exports).</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the graph output, float32 [batch, E] raw embeddings. Default <c>embedding</c>.</summary>
    public string OutputName { get; init; } = "embedding";

    /// <summary>Symbolic name (dim_param) of the dynamic batch dimension. Default <c>batch</c>.</summary>
    public string BatchDimension { get; init; } = "batch";

    /// <summary>ONNX opset of the default domain, <see cref="MinOpset"/> to <see cref="MaxOpset"/>. Default 17.</summary>
    public int Opset { get; init; } = MaxOpset;

    /// <summary>Extra metadata_props after the ones the exporter writes (see <see cref="OnnxExport"/>), in this order,
    /// e.g. the alignment template and the weights' SHA-256. Keys must be unique and must not repeat the exporter's.
    /// Default none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; init; } = [];

    /// <summary>Throws <see cref="UsageException"/> naming the setting to fix.</summary>
    public void Validate()
    {
        if (Opset is < MinOpset or > MaxOpset) throw new UsageException($"opset {Opset} is not supported: use {MinOpset} to {MaxOpset}");
        foreach (var (what, value) in new[] { ("input name", InputName), ("output name", OutputName), ("batch dimension", BatchDimension) })
            if (string.IsNullOrWhiteSpace(value)) throw new UsageException($"the ONNX {what} must not be empty");
        if (InputName == OutputName) throw new UsageException($"the ONNX input and output are both named '{InputName}'");
        var duplicate = Metadata.GroupBy(kv => kv.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new UsageException($"ONNX metadata key '{duplicate.Key}' is given twice");
        if (Metadata.Any(kv => string.IsNullOrWhiteSpace(kv.Key))) throw new UsageException("ONNX metadata keys must not be empty");
    }

    /// <summary>The IR version that goes with <see cref="Opset"/> (7 for opsets 13-14, 8 for 15-17).</summary>
    internal long IrVersion => Opset <= 14 ? 7 : 8;
}
