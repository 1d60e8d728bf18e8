using FairKd.Core.Tensors;
using FairKd.Torch.Models;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace FairKd.Torch.Export;

/// <summary>
/// Runs an exported model in ONNX Runtime beside the TorchSharp network it came from (eval mode) on the same input and
/// compares the embeddings row by row: what `fairkd export` checks before it writes a file.
/// </summary>
public static class OnnxParity
{
    /// <summary>The smallest cosine similarity an exported embedding may have with the network's (float32 rounding
    /// through a different convolution library stays far above it).</summary>
    public const double MinimumCosine = 0.9999;

    /// <summary>
    /// Cosine similarity of each of <paramref name="batch"/> embeddings: <paramref name="onnx"/> run in ONNX Runtime (as
    /// one batch, through its dynamic batch dimension) against <paramref name="model"/>'s forward in eval mode, on
    /// deterministic pseudo-random input in [-1, 1] (the range of normalised pixels) drawn from <paramref name="seed"/>.
    /// Puts <paramref name="model"/> in eval mode.
    /// </summary>
    public static double[] Cosines(FaceBackbone model, byte[] onnx, int batch = 2, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var size = model.InputSize;
        var random = new Random(seed);
        var input = new float[batch * 3 * size * size];
        for (var i = 0; i < input.Length; i++) input[i] = (float)((random.NextDouble() * 2) - 1);

        float[] expected;
        model.eval();
        using (no_grad())
        using (NewDisposeScope())
        {
            expected = model.forward(tensor(input, [batch, 3, size, size])).data<float>().ToArray();
        }

        float[] actual;
        using (var session = new InferenceSession(onnx))
        using (var value = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, size, size]))
        using (var runOptions = new RunOptions())
        using (var outputs = session.Run(runOptions, [session.InputMetadata.Keys.Single()], [value], [session.OutputMetadata.Keys.Single()]))
        {
            actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        if (actual.Length != expected.Length)
            throw new InvalidOperationException($"ONNX Runtime returned {actual.Length} values, the network {expected.Length}");
        var e = model.EmbeddingSize;
        return [.. Enumerable.Range(0, batch).Select(r => Chw.Cosine(actual.AsSpan(r * e, e), expected.AsSpan(r * e, e)))];
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> (naming the smallest cosine) unless every embedding of
    /// <see cref="Cosines"/> reaches <see cref="MinimumCosine"/>; returns the smallest.</summary>
    public static double Check(FaceBackbone model, byte[] onnx, int batch = 2, int seed = 1)
    {
        var min = Cosines(model, onnx, batch, seed).Min();
        if (!(min >= MinimumCosine))
            throw new InvalidOperationException($"the exported graph disagrees with the network: smallest embedding cosine {min:F6} < {MinimumCosine}");
        return min;
    }
}
