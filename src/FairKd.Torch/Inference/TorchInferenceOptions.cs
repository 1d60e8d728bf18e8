namespace FairKd.Torch.Inference;

/// <summary>Where and how the TorchSharp backends run.</summary>
/// <param name="Device">"cpu" (default), "cuda" or "cuda:N"; CUDA absent -> <see cref="Core.UsageException"/> naming the fix.</param>
/// <param name="Half">fp16 trunk (arcface_torch's fp16: trunk in float16, embedding head in float32). CUDA only:
/// asking for it on the CPU is a usage error (CPU float16 kernels are slow or missing). Default false.</param>
/// <param name="Fuse">Run the network's inference form (<see cref="Models.FaceBackbone.FuseForInference"/>: BatchNorm
/// folded into the layer before it, channels-last convolutions). Same outputs up to float32 rounding (relative 1e-5 on
/// the goldens), about 1.4x the images/s of the network as trained on this CPU (results/teacher.md). Default true;
/// false runs the module as loaded, for bit-level comparisons with other runs of the unfused network.</param>
public sealed record TorchInferenceOptions(string Device = "cpu", bool Half = false, bool Fuse = true);
