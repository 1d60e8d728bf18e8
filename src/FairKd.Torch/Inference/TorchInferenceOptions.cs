namespace FairKd.Torch.Inference;

/// <summary>Where and how the TorchSharp backends run.</summary>
/// <param name="Device">"cpu" (default), "cuda" or "cuda:N"; CUDA absent -> <see cref="Core.UsageException"/> naming the fix.</param>
/// <param name="Half">fp16 trunk (arcface_torch's fp16: trunk in float16, embedding head in float32). CUDA only:
/// asking for it on the CPU is a usage error (CPU float16 kernels are slow or missing). Default false.</param>
public sealed record TorchInferenceOptions(string Device = "cpu", bool Half = false);
