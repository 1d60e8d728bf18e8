using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;
using static TorchSharp.torch;

namespace FairKd.Torch.Inference;

/// <summary>
/// An <see cref="EthnicityNet"/> as an <see cref="IEthnicityClassifier"/>: softmax over the 4 logits, written in
/// <see cref="EthnicGroups.Order"/>. <c>classOrder</c> names the group of each head output (default: the head is
/// already in <see cref="EthnicGroups.Order"/>); it must be a permutation of the four names (case-insensitive).
/// </summary>
public sealed class TorchEthnicityClassifier : IEthnicityClassifier
{
    private readonly TorchBatchRunner runner;
    private readonly int[] sourceOfTarget;
    private readonly EthnicityNet running;

    /// <summary>Wraps a loaded network; takes ownership.</summary>
    public TorchEthnicityClassifier(EthnicityNet net, IReadOnlyList<string>? classOrder = null, TorchInferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        sourceOfTarget = MapClassOrder(classOrder);
        Net = net;
        InputSize = net.Backbone.InputSize;
        options ??= new TorchInferenceOptions();
        running = options.Fuse ? net.FuseForInference() : net;
        runner = new TorchBatchRunner(running, options, running.Backbone.UseHalfPrecisionTrunk);
    }

    /// <summary>Builds the network on <paramref name="backboneSpec"/> and loads <paramref name="weightsPath"/> strictly.</summary>
    public static TorchEthnicityClassifier Create(ModelSpec backboneSpec, string weightsPath, IReadOnlyList<string>? classOrder = null, TorchInferenceOptions? options = null)
    {
        MapClassOrder(classOrder); // fail on a bad order before the (slow) load
        var net = new EthnicityNet(backboneSpec);
        try
        {
            ModelWeights.Load(net, weightsPath);
            return new TorchEthnicityClassifier(net, classOrder, options);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>The network as loaded (runs fused, as a separate copy, unless <see cref="TorchInferenceOptions.Fuse"/> is off).</summary>
    public EthnicityNet Net { get; }

    /// <inheritdoc/>
    public int InputSize { get; }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> chwBatch, int count, Span<float> probabilities)
    {
        runner.Run(chwBatch, count, InputSize, probabilities, 4, logits =>
        {
            var p = logits.to_type(float32).softmax(1);
            return p.index_select(1, tensor(sourceOfTarget.Select(i => (long)i).ToArray(), device: p.device));
        });
    }

    /// <summary>For each position of <see cref="EthnicGroups.Order"/>, the head output holding that group.</summary>
    internal static int[] MapClassOrder(IReadOnlyList<string>? classOrder)
    {
        if (classOrder is null) return [0, 1, 2, 3];
        var names = EthnicGroups.Order;
        if (classOrder.Count != names.Length
            || names.Any(n => classOrder.Count(c => string.Equals(c?.Trim(), n, StringComparison.OrdinalIgnoreCase)) != 1))
            throw new UsageException($"ethnicity class order [{string.Join(", ", classOrder)}] must name each of {string.Join(", ", names)} exactly once");
        return names.Select(n => classOrder.ToList().FindIndex(c => string.Equals(c.Trim(), n, StringComparison.OrdinalIgnoreCase))).ToArray();
    }

    /// <summary>Releases the batch runner and the network (and its fused copy, if any).</summary>
    public void Dispose()
    {
        runner.Dispose();
        if (!ReferenceEquals(running, Net)) Net.Dispose();
    }
}
