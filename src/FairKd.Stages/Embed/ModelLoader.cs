using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch;
using FairKd.Torch.Weights;

namespace FairKd.Stages.Embed;

/// <summary>
/// Builds the face network of a command from `--model/--teacher SPEC --weights FILE` or `--onnx FILE` (one of them),
/// with the device, fp16 and thread settings. Used by `embed` (teacher) and `eval` (model under test).
/// </summary>
internal static class ModelLoader
{
    /// <summary>A loaded embedder and what identifies it (recorded in outputs); <paramref name="Execution"/> is how an
    /// ONNX model runs (<see cref="OnnxFaceEmbedder.ExecutionSummary"/>, printed by the commands), null for TorchSharp.</summary>
    public sealed record Loaded(IFaceEmbedder Embedder, string Name, string WeightsSha256, string WeightsPath, string? Execution = null);

    /// <param name="spec">The --model/--teacher SPEC (registry name and options) of a TorchSharp network, with <paramref name="weights"/>.</param>
    /// <param name="weights">Its weights file (.pth/.pt zip, safetensors, TorchSharp .dat).</param>
    /// <param name="onnx">An --onnx model instead of spec and weights.</param>
    /// <param name="device">cpu, cuda or cuda:N.</param>
    /// <param name="half">fp16 inference (CUDA only).</param>
    /// <param name="specOption">The option that names the spec in messages (--model or --teacher).</param>
    /// <param name="onnxRun">How an ONNX model runs (<see cref="OnnxOptions"/>: concurrent runs, ONNX Runtime threads);
    /// TorchSharp's threads are set process-wide by <see cref="SetThreads"/>.</param>
    public static Loaded Load(string? spec, string? weights, string? onnx, string device, bool half, string specOption, OnnxRunOptions? onnxRun = null)
    {
        if (onnx is not null == (spec is not null || weights is not null))
            throw new UsageException($"give either {specOption} SPEC --weights FILE, or --onnx FILE");
        TorchBackendInfo.ParseDevice(device);
        if (onnx is not null)
        {
            if (!File.Exists(onnx)) throw new UsageException($"--onnx {onnx}: file not found");
            var o = new OnnxFaceEmbedder(onnx, run: onnxRun);
            return new Loaded(o, o.Name, ModelWeights.Sha256(onnx), onnx, o.ExecutionSummary);
        }

        if (spec is null) throw new UsageException($"--weights needs {specOption} SPEC (e.g. iresnet100 or iresnet18:width=0.0625)");
        if (weights is null) throw new UsageException($"{specOption} {spec} needs --weights FILE");
        if (!File.Exists(weights)) throw new UsageException($"--weights {weights}: file not found");
        var parsed = ModelSpecText.Parse(spec, specOption);
        var e = TorchFaceEmbedder.Create(parsed, weights, new TorchInferenceOptions(device, half));
        return new Loaded(e, ModelSpecText.Format(parsed), e.WeightsSha256 ?? ModelWeights.Sha256(weights), weights);
    }

    /// <summary>
    /// The ONNX Runtime settings of `eval` and `embed`, checked before anything loads: <paramref name="runs"/>
    /// (--onnx-runs, for the --onnx model only), <paramref name="threads"/> (--threads, intra-op threads of each run) and
    /// <paramref name="interThreads"/> (--onnx-inter-threads). ONNX options without an ONNX model to apply to are refused.
    /// </summary>
    /// <param name="runs">--onnx-runs.</param>
    /// <param name="threads">--threads.</param>
    /// <param name="interThreads">--onnx-inter-threads.</param>
    /// <param name="onnx">The --onnx model, if any.</param>
    /// <param name="otherOnnx">Another ONNX model of the command that takes the thread settings (embed's --ethnicity-onnx), if any.</param>
    public static OnnxRunOptions OnnxOptions(int? runs, int? threads, int interThreads, string? onnx, string? otherOnnx = null)
    {
        if (runs is < 1) throw new UsageException($"--onnx-runs must be at least 1, got {runs}");
        if (interThreads < 1) throw new UsageException($"--onnx-inter-threads must be at least 1, got {interThreads}");
        if (runs is not null && onnx is null) throw new UsageException("--onnx-runs applies to an ONNX model: give --onnx FILE, or drop --onnx-runs");
        if (interThreads != 1 && onnx is null && otherOnnx is null)
            throw new UsageException("--onnx-inter-threads applies to ONNX models: give --onnx FILE, or drop --onnx-inter-threads");
        return new OnnxRunOptions(runs, threads, interThreads);
    }

    /// <summary>Sets TorchSharp's intra-op threads when given (default: the library's choice, about one per core).</summary>
    public static void SetThreads(int? threads)
    {
        if (threads is null) return;
        if (threads < 1) throw new UsageException("--threads must be at least 1");
        TorchSharp.torch.set_num_threads(threads.Value);
    }

    /// <summary>TorchSharp's intra-op threads in effect: training's float results depend on the count (README "Numerics"),
    /// so a run records it.</summary>
    public static int TorchThreads() => TorchSharp.torch.get_num_threads();
}
