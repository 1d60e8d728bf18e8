using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Tests.Shared;
using FairKd.Torch.Inference;
using FairKd.Torch.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>TorchSharp and ONNX Runtime embedders on the golden "fmt" weights.</summary>
public class InferenceTests
{
    private static readonly GoldenCases.Case Fmt = GoldenCases.Get("fmt");

    private static float[] RandomInput(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count * 3 * Fmt.InputSize * Fmt.InputSize];
        for (var i = 0; i < x.Length; i++) x[i] = (rng.Next(256) - 127.5f) / 127.5f;
        return x;
    }

    private static float[] Embed(IFaceEmbedder e, float[] x, int count)
    {
        var y = new float[count * e.EmbeddingSize];
        e.Embed(x, count, y);
        return y;
    }

    [Fact]
    public void Torch_embedder_reproduces_the_golden_outputs()
    {
        using var e = TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath);
        Assert.Equal(Fmt.EmbeddingSize, e.EmbeddingSize);
        Assert.Equal(Fmt.InputSize, e.InputSize);
        Assert.Equal(ModelWeights.Sha256(Fmt.WeightsPath), e.WeightsSha256);
        Assert.Equal("iresnet18", e.Name);
        var y = Embed(e, Fmt.InputChw(), Fmt.Batch);
        Assert.True(GoldenCases.RelativeMaxDiff(y, Fmt.Output.SelectMany(r => r).ToArray()) <= 1e-4);

        // One image at a time gives the same rows (eval-mode BN: no batch coupling).
        var per = 3 * Fmt.InputSize * Fmt.InputSize;
        var row = new float[Fmt.EmbeddingSize];
        e.Embed(Fmt.InputChw().AsSpan(per, per), 1, row);
        Assert.True(GoldenCases.RelativeMaxDiff(row, Fmt.Output[1]) <= 1e-4);
        e.Embed(ReadOnlySpan<float>.Empty, 0, Span<float>.Empty);
    }

    [Fact]
    public void Bad_buffers_and_devices_are_clear_errors()
    {
        using var e = TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath);
        Assert.Throws<ArgumentException>(() => e.Embed(new float[10], 1, new float[Fmt.EmbeddingSize]));
        Assert.Throws<ArgumentException>(() => e.Embed(RandomInput(2, 1), 2, new float[Fmt.EmbeddingSize]));
        var ex = Assert.Throws<UsageException>(() => TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath, new TorchInferenceOptions("cpu", Half: true)));
        Assert.Contains("cuda", ex.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath, new TorchInferenceOptions("tpu")));
        if (!cuda.is_available())
        {
            var cu = Assert.Throws<UsageException>(() => TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath, new TorchInferenceOptions("cuda")));
            Assert.Contains("--device cpu", cu.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("fmt_fixed1.onnx", 1)]
    [InlineData("fmt_dynamic.onnx", null)]
    public void Onnx_embedder_matches_torchsharp_on_the_same_weights(string file, int? fixedBatch)
    {
        using var torchE = TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath);
        using var onnx = new OnnxFaceEmbedder(RepoPaths.Golden("models/" + file));
        Assert.Equal(fixedBatch, onnx.FixedBatch);
        Assert.Equal(Fmt.InputSize, onnx.InputSize);
        Assert.Equal(Fmt.EmbeddingSize, onnx.EmbeddingSize);
        Assert.Equal(fixedBatch == 1 ? "data" : "input.1", onnx.InputName);
        var x = RandomInput(5, 7);
        var expected = Embed(torchE, x, 5);
        Assert.True(GoldenCases.RelativeMaxDiff(Embed(onnx, x, 5), expected) <= 1e-4);
        Assert.True(GoldenCases.RelativeMaxDiff(Embed(onnx, x, 2), expected[..(2 * Fmt.EmbeddingSize)]) <= 1e-4);
        Assert.True(GoldenCases.RelativeMaxDiff(Embed(onnx, Fmt.InputChw(), 2), Fmt.Output.SelectMany(r => r).ToArray()) <= 1e-4);
    }

    [Fact]
    public void Onnx_bgr_and_mean_std_options_convert_the_canonical_input()
    {
        var path = RepoPaths.Golden("models/fmt_dynamic.onnx");
        using var plain = new OnnxFaceEmbedder(path);
        var x = RandomInput(2, 3);
        var plane = Fmt.InputSize * Fmt.InputSize;

        // BGR: the model sees channels reversed.
        using var bgr = new OnnxFaceEmbedder(path, new OnnxInputOptions(ChannelOrder.Bgr));
        var swapped = new float[x.Length];
        for (var i = 0; i < 2; i++)
            for (var c = 0; c < 3; c++)
                Array.Copy(x, (i * 3 + (2 - c)) * plane, swapped, (i * 3 + c) * plane, plane);
        Assert.True(GoldenCases.RelativeMaxDiff(Embed(bgr, x, 2), Embed(plain, swapped, 2)) <= 1e-5);

        // Raw pixels: mean 0, std 1 -> the model sees p = x * 127.5 + 127.5.
        using var raw = new OnnxFaceEmbedder(path, new OnnxInputOptions(Mean: [0f], Std: [1f]));
        var pixels = x.Select(v => v * 127.5f + 127.5f).ToArray();
        Assert.True(GoldenCases.RelativeMaxDiff(Embed(raw, x, 2), Embed(plain, pixels, 2)) <= 1e-5);

        Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(path, new OnnxInputOptions(Std: [1f, 0f, 1f])));
        Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(path, new OnnxInputOptions(Mean: [1f, 2f])));
        Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(path, new OnnxInputOptions(InputName: "nope")));
        Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(path, new OnnxInputOptions(InputSize: 112)));
    }

    [Fact]
    public void Not_an_onnx_model_is_a_usage_error()
    {
        var ex = Assert.Throws<UsageException>(() => new OnnxFaceEmbedder(Fmt.WeightsPath));
        Assert.Contains("ONNX", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fifty_batches_leave_no_live_tensors_behind()
    {
        using var e = TorchFaceEmbedder.Create(Fmt.Spec, Fmt.WeightsPath);
        var x = RandomInput(4, 5);
        var y = new float[4 * e.EmbeddingSize];
        e.Embed(x, 4, y); // warm-up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var probe = ones(1))
            Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount); // the counter sees tensors
        for (var i = 0; i < 50; i++) e.Embed(x, 4, y);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
