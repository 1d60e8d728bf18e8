namespace FairKd.Torch.Inference;

/// <summary>Channel order the ONNX model expects.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (arcface_torch exports, InsightFace model zoo recognition models).</summary>
    Rgb,

    /// <summary>Blue, green, red (AdaFace's official models, OpenCV-native exports).</summary>
    Bgr,
}

/// <summary>
/// How FairKd's canonical input (RGB CHW, <c>(p - 127.5) / 127.5</c> with p in 0..255) is turned into what the ONNX
/// model takes: channels reordered per <see cref="ChannelOrder"/>, then <c>(p - Mean[c]) / Std[c]</c> per model
/// channel c (pixel scale 0..255). The default (RGB, mean 127.5, std 127.5) passes the input through unchanged and
/// matches arcface_torch / InsightFace recognition exports. Examples: AdaFace ONNX = BGR with the default
/// mean/std; a model trained on ImageNet-normalised 0..1 input = RGB, Mean = [123.675, 116.28, 103.53],
/// Std = [58.395, 57.12, 57.375]; raw 0..255 input = Mean [0, 0, 0], Std [1, 1, 1].
/// </summary>
/// <param name="ChannelOrder">Channel order of the model input (default RGB).</param>
/// <param name="Mean">Per model channel, in pixel units (default 127.5 each); 1 or 3 values.</param>
/// <param name="Std">Per model channel, in pixel units (default 127.5 each); 1 or 3 positive values.</param>
/// <param name="InputName">Input to feed (default: the model's only, or first, input).</param>
/// <param name="InputSize">Square input side when the model's height/width are dynamic (ignored when fixed; must agree if given).</param>
/// <remarks>How the model runs (concurrent runs, ONNX Runtime threads) is <see cref="OnnxRunOptions"/>.</remarks>
public sealed record OnnxInputOptions(
    ChannelOrder ChannelOrder = ChannelOrder.Rgb,
    float[]? Mean = null,
    float[]? Std = null,
    string? InputName = null,
    int? InputSize = null)
{
    /// <summary>The arcface_torch default pixel mean and standard deviation.</summary>
    public const float DefaultMeanStd = 127.5f;

    internal float[] MeanOrDefault => Expand(Mean, DefaultMeanStd, nameof(Mean));

    internal float[] StdOrDefault => Expand(Std, DefaultMeanStd, nameof(Std));

    /// <summary>True when the conversion is the identity (no per-pixel work).</summary>
    internal bool IsIdentity => ChannelOrder == ChannelOrder.Rgb
        && MeanOrDefault.All(m => m == DefaultMeanStd) && StdOrDefault.All(s => s == DefaultMeanStd);

    private static float[] Expand(float[]? values, float fallback, string what)
    {
        if (values is null) return [fallback, fallback, fallback];
        if (values.Length == 1) return [values[0], values[0], values[0]];
        if (values.Length != 3) throw new Core.UsageException($"ONNX input {what} needs 1 or 3 values, got {values.Length}");
        return values;
    }

    internal void Validate()
    {
        if (StdOrDefault.Any(s => !(s > 0) || float.IsInfinity(s))) throw new Core.UsageException("ONNX input Std values must be positive and finite");
        if (MeanOrDefault.Any(m => !float.IsFinite(m))) throw new Core.UsageException("ONNX input Mean values must be finite");
    }
}
