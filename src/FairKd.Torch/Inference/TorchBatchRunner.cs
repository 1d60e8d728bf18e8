using FairKd.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace FairKd.Torch.Inference;

/// <summary>
/// Shared plumbing of the TorchSharp backends: device placement, eval + inference mode, one dispose scope per
/// batch, CPU float32 in and out. Calls are serialised by a lock (a module is not safe to run concurrently).
/// </summary>
internal sealed class TorchBatchRunner : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> module;
    private readonly Device device;
    private readonly Lock gate = new();
    private bool disposed;

    public TorchBatchRunner(nn.Module<Tensor, Tensor> module, TorchInferenceOptions options, Action? toHalf)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.module = module;
        device = TorchBackendInfo.ParseDevice(options.Device);
        if (options.Half)
        {
            if (device.type != DeviceType.CUDA)
                throw new UsageException("fp16 inference needs --device cuda (CPU float16 kernels are slow or missing); drop the fp16 option on the CPU");
            toHalf?.Invoke();
        }

        module.eval();
        if (device.type != DeviceType.CPU) module.to(device);
    }

    /// <summary>Runs [count, 3, size, size] through the module and copies [count, outWidth] into <paramref name="output"/>.</summary>
    public void Run(ReadOnlySpan<float> chwBatch, int count, int inputSize, Span<float> output, int outWidth, Func<Tensor, Tensor>? post = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var per = 3 * inputSize * inputSize;
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must be >= 0");
        if (chwBatch.Length < (long)count * per)
            throw new ArgumentException($"input holds {chwBatch.Length} floats, {count} images of 3x{inputSize}x{inputSize} need {(long)count * per}", nameof(chwBatch));
        if (output.Length < (long)count * outWidth)
            throw new ArgumentException($"output holds {output.Length} floats, {count} x {outWidth} needed", nameof(output));
        if (count == 0) return;

        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            var x = empty([count, 3, inputSize, inputSize], float32);
            x.data<float>().CopyFrom(chwBatch[..(count * per)]);
            if (device.type != DeviceType.CPU) x = x.to(device);
            var y = module.forward(x);
            if (post is not null) y = post(y);
            y = y.to_type(float32);
            if (device.type != DeviceType.CPU) y = y.cpu();
            y = y.contiguous();
            if (y.shape.Length != 2 || y.shape[0] != count || y.shape[1] != outWidth)
                throw new InvalidOperationException($"network output shape [{string.Join(", ", y.shape)}], expected [{count}, {outWidth}]");
            y.data<float>().CopyTo(output[..(count * outWidth)]);
        }
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        module.Dispose();
    }
}
