using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch;
using FairKd.Torch.Weights;

namespace FairKd.Cli.Embedding;

/// <summary>
/// Builds the face network of a command from `--model/--teacher SPEC --weights FILE` or `--onnx FILE` (one of them),
/// with the device, fp16 and thread settings. Used by `embed` (teacher) and `eval` (model under test).
/// </summary>
internal static class ModelLoader
{
    /// <summary>A loaded embedder and what identifies it (recorded in outputs).</summary>
    public sealed record Loaded(IFaceEmbedder Embedder, string Name, string WeightsSha256, string WeightsPath);

    /// <param name="threads">ONNX Runtime intra-op threads for an ONNX model (null: its default); TorchSharp's are set
    /// process-wide by <see cref="SetThreads"/>.</param>
    public static Loaded Load(string? spec, string? weights, string? onnx, string device, bool half, string specOption, int? threads = null)
    {
        if (onnx is not null == (spec is not null || weights is not null))
            throw new UsageException($"give either {specOption} SPEC --weights FILE, or --onnx FILE");
        TorchBackendInfo.ParseDevice(device);
        if (onnx is not null)
        {
            if (!File.Exists(onnx)) throw new UsageException($"--onnx {onnx}: file not found");
            var o = new OnnxFaceEmbedder(onnx, new OnnxInputOptions(IntraOpThreads: threads ?? 0));
            return new Loaded(o, o.Name, ModelWeights.Sha256(onnx), onnx);
        }

        if (spec is null) throw new UsageException($"--weights needs {specOption} SPEC (e.g. iresnet100 or iresnet18:width=0.0625)");
        if (weights is null) throw new UsageException($"{specOption} {spec} needs --weights FILE");
        if (!File.Exists(weights)) throw new UsageException($"--weights {weights}: file not found");
        var parsed = ModelSpecText.Parse(spec, specOption);
        var e = TorchFaceEmbedder.Create(parsed, weights, new TorchInferenceOptions(device, half));
        return new Loaded(e, ModelSpecText.Format(parsed), e.WeightsSha256 ?? ModelWeights.Sha256(weights), weights);
    }

    /// <summary>Sets TorchSharp's intra-op threads when given (default: the library's choice, about one per core).</summary>
    public static void SetThreads(int? threads)
    {
        if (threads is null) return;
        if (threads < 1) throw new UsageException("--threads must be at least 1");
        TorchSharp.torch.set_num_threads(threads.Value);
    }
}
