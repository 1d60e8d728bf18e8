using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Interop;

/// <summary>
/// BatchNorm1d/2d with PyTorch's state_dict names (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>,
/// <c>num_batches_tracked</c>) and PyTorch's numerics (<c>F.batch_norm</c> with momentum 0.1), whose training forward
/// increments <c>num_batches_tracked</c> with owned Scalars. TorchSharp's own <c>BatchNorm.forward</c> runs
/// <c>num_batches_tracked.add_(1)</c>, i.e. <c>add_(1, alpha: 1)</c> with two temporary Scalars, which a garbage
/// collection can free mid-call (README.md in this folder); that is where the corrupted training steps came from.
/// Parameters, buffers, device moves and dtype casts are TorchSharp's <see cref="NormBase"/>'s.
/// </summary>
public sealed class GcSafeBatchNorm : NormBase
{
    private readonly int inputDims;

    private GcSafeBatchNorm(long features, int inputDims, double eps, double momentum, string name)
        : base(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null, name) =>
        this.inputDims = inputDims;

    /// <summary>BatchNorm2d over [N, C, H, W] (PyTorch defaults eps 1e-5, momentum 0.1).</summary>
    public static GcSafeBatchNorm For2d(long features, double eps = 1e-5, double momentum = 0.1) => new(features, 4, eps, momentum, "BatchNorm2d");

    /// <summary>BatchNorm1d over [N, C] (PyTorch defaults eps 1e-5, momentum 0.1).</summary>
    public static GcSafeBatchNorm For1d(long features, double eps = 1e-5, double momentum = 0.1) => new(features, 2, eps, momentum, "BatchNorm1d");

    /// <summary>4 for the 2d form, 2 for the 1d form.</summary>
    public int InputDims => inputDims;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var factor = momentum ?? 0.0;
        if (training && num_batches_tracked is { } tracked)
        {
            tracked.add_(Scalars.One, Scalars.One);
            if (momentum is null) factor = 1.0 / tracked.item<long>();
        }

        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, factor, eps);
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ndim != inputDims && !(inputDims == 2 && input.ndim == 3))
            throw new ArgumentException($"{GetName()}: expected {inputDims}D input, got {input.ndim}D");
    }
}
