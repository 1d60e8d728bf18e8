using System.Globalization;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Torch.Models;
using FairKd.Torch.Models.Fused;
using Google.Protobuf;
using Onnx;

namespace FairKd.Torch.Export;

/// <summary>
/// Writes a registry network (<see cref="FaceBackbone"/>) as an ONNX model that ONNX Runtime and other ONNX tools load:
/// the network's inference form (<see cref="FaceBackbone.FuseForInference"/>: every BatchNorm that follows a convolution
/// or linear layer folded into it, in float64; IResNet's block-leading BatchNorms as BatchNormalization nodes) as Conv,
/// BatchNormalization, PRelu, Add, Flatten and Gemm nodes with the weights as float32 initializers; one input
/// [batch, 3, S, S] (normalised RGB, <c>(p - 127.5) / 127.5</c>) and one output [batch, E] (raw embeddings), batch
/// dynamic. The model's metadata_props describe the preprocessing it expects, first the exporter's keys
/// (<see cref="MetadataKeys"/>), then <see cref="OnnxExportOptions.Metadata"/>. The bytes depend on the weights, the
/// spec, the options and the FairKd version only.
/// </summary>
public static class OnnxExport
{
    /// <summary>The model's producer_name.</summary>
    public const string Producer = "fairkd";

    /// <summary>The metadata keys the exporter writes, in order: <c>model</c> (the spec), <c>input_size</c>,
    /// <c>input_layout</c> (NCHW), <c>channel_order</c> (RGB), <c>normalisation</c>, <c>mean</c> and <c>std</c> (per
    /// channel, in 0..255 pixel units), <c>embedding_size</c>, <c>embedding_normalised</c> (false: raw outputs).</summary>
    public static readonly IReadOnlyList<string> MetadataKeys =
        ["model", "input_size", "input_layout", "channel_order", "normalisation", "mean", "std", "embedding_size", "embedding_normalised"];

    /// <summary>The serialised ONNX model of <paramref name="model"/> (which is only read; an already fused network is
    /// exported as it is). Throws <see cref="UsageException"/> for bad options, <see cref="InvalidOperationException"/>
    /// when the graph does not come out well-formed (it names the node).</summary>
    public static byte[] ToBytes(FaceBackbone model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        options.Validate();
        var spec = model.Spec;
        var own = Metadata(spec);
        var clash = options.Metadata.FirstOrDefault(kv => own.Any(o => o.Key == kv.Key));
        if (clash.Key is not null) throw new UsageException($"ONNX metadata key '{clash.Key}' is written by the exporter itself");

        using var fused = model is FusedBackbone ? null : model.FuseForInference(channelsLast: false);
        var network = (FusedBackbone)(fused ?? model);
        var builder = new OnnxGraphBuilder(ModelSpecText.Format(spec), options.BatchDimension);
        var input = builder.Input(options.InputName, 3, spec.InputSize, spec.InputSize);
        var output = network.ToOnnx(builder, input);
        var shape = builder.ShapeOf(output);
        if (!shape.SequenceEqual([OnnxGraphBuilder.Batch, spec.EmbeddingSize]))
            throw new InvalidOperationException($"the exported graph of {ModelSpecText.Format(spec)} ends in [{string.Join(", ", shape)}], not [batch, {spec.EmbeddingSize}]");

        var onnx = new ModelProto
        {
            IrVersion = options.IrVersion,
            ProducerName = Producer,
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "0",
            DocString = $"FairKd {ModelSpecText.Format(spec)}: {options.InputName} [{options.BatchDimension}, 3, {spec.InputSize}, {spec.InputSize}] " +
                $"aligned RGB faces as (p - 127.5) / 127.5 -> {options.OutputName} [{options.BatchDimension}, {spec.EmbeddingSize}] raw embeddings " +
                "(L2-normalise before comparing).",
            Graph = builder.Finish(output, options.OutputName),
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        foreach (var (key, value) in own.Concat(options.Metadata)) onnx.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return onnx.ToByteArray();
    }

    /// <summary><see cref="ToBytes"/> written to <paramref name="path"/> with <see cref="AtomicFile"/> (a reader sees
    /// the old file or the complete new one); returns the bytes written.</summary>
    public static byte[] Write(FaceBackbone model, string path, OnnxExportOptions? options = null)
    {
        var bytes = ToBytes(model, options);
        AtomicFile.WriteAllBytes(path, bytes);
        return bytes;
    }

    private static List<KeyValuePair<string, string>> Metadata(ModelSpec spec)
    {
        static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
        string[] values =
        [
            ModelSpecText.Format(spec), Text(spec.InputSize), "NCHW", "RGB", "(x-127.5)/127.5", "127.5,127.5,127.5", "127.5,127.5,127.5",
            Text(spec.EmbeddingSize), "false",
        ];
        return [.. MetadataKeys.Zip(values, (k, v) => new KeyValuePair<string, string>(k, v))];
    }
}
