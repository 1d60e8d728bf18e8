using FairKd.Torch.Export;
using FairKd.Torch.Interop;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Export;

/// <summary>The graph builder infers every value's shape and refuses modules that do not fit, naming the node.</summary>
public class OnnxGraphBuilderTests
{
    private static OnnxGraphBuilder WithInput(out string x)
    {
        var g = new OnnxGraphBuilder("t", "batch");
        x = g.Input("x", 4, 9, 9);
        return g;
    }

    [Fact]
    public void Shapes_follow_pytorchs_arithmetic()
    {
        var g = WithInput(out var x);
        using var strided = nn.Conv2d(4, 6, 3, stride: 2, padding: 1, bias: false);
        using var depthwise = nn.Conv2d(6, 6, 5, stride: 1, padding: 0L, groups: 6);
        using var bn = GcSafeBatchNorm.For2d(6);
        using var prelu = new GcSafePReLU(6);
        using var fc = nn.Linear(6, 3);
        var y = g.Conv(strided, x, "a");
        Assert.Equal([OnnxGraphBuilder.Batch, 6, 5, 5], g.ShapeOf(y));
        y = g.PRelu(prelu, g.BatchNorm(bn, y, "bn"), "p");
        var z = g.Conv(depthwise, y, "dw");
        Assert.Equal([OnnxGraphBuilder.Batch, 6, 1, 1], g.ShapeOf(z));
        var f = g.Flatten(z, "flat");
        Assert.Equal([OnnxGraphBuilder.Batch, 6], g.ShapeOf(f));
        Assert.Equal([OnnxGraphBuilder.Batch, 3], g.ShapeOf(g.Gemm(fc, f, "fc")));

        // the torch module computes the same shapes
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var t = depthwise.forward(strided.forward(zeros(2, 4, 9, 9)));
        Assert.Equal([2L, 6, 1, 1], t.shape);
    }

    [Fact]
    public void Modules_that_do_not_fit_are_refused_with_the_node_name()
    {
        var g = WithInput(out var x);
        using var wrongChannels = nn.Conv2d(3, 6, 3, padding: 1);
        Assert.Contains("stem: weight [6, 3, 3, 3] with 1 groups does not fit 4 input channels",
            Assert.Throws<InvalidOperationException>(() => g.Conv(wrongChannels, x, "stem")).Message, StringComparison.Ordinal);
        using var tooLarge = nn.Conv2d(4, 4, 11);
        Assert.Contains("smaller than the 11x11 kernel", Assert.Throws<InvalidOperationException>(() => g.Conv(tooLarge, x, "big")).Message, StringComparison.Ordinal);
        using var bn = GcSafeBatchNorm.For2d(5);
        Assert.Contains("bn: BatchNorm of 5 features on 4 channels", Assert.Throws<InvalidOperationException>(() => g.BatchNorm(bn, x, "bn")).Message, StringComparison.Ordinal);
        using var fc = nn.Linear(10, 2);
        Assert.Contains("fc: expects a 2-d input", Assert.Throws<InvalidOperationException>(() => g.Gemm(fc, x, "fc")).Message, StringComparison.Ordinal);
        Assert.Contains("fc2: linear layer of 10 inputs on 324 features",
            Assert.Throws<InvalidOperationException>(() => g.Gemm(fc, g.Flatten(x, "flat"), "fc2")).Message, StringComparison.Ordinal);
        using var down = nn.Conv2d(4, 4, 1, stride: 2);
        Assert.Contains("cannot add [N, 4, 5, 5] and [N, 4, 9, 9]",
            Assert.Throws<InvalidOperationException>(() => g.Add(g.Conv(down, x, "down"), x, "add")).Message, StringComparison.Ordinal);
        using var relu = nn.ReLU();
        Assert.Contains("act: no ONNX form for a ReLU module", Assert.Throws<NotSupportedException>(() => g.Module(relu, x, "act")).Message, StringComparison.Ordinal);
        using var same = nn.Conv2d(4, 4, 1);
        g.Conv(same, x, "twice");
        Assert.Contains("used twice", Assert.Throws<InvalidOperationException>(() => g.Conv(same, x, "twice")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_weights_and_a_wrong_output_are_refused()
    {
        var g = WithInput(out var x);
        using var conv = nn.Conv2d(4, 2, 1);
        using (no_grad()) conv.bias!.fill_(Scalars.Of(double.NaN));
        Assert.Contains("c.bias holds NaN", Assert.Throws<InvalidOperationException>(() => g.Conv(conv, x, "c")).Message, StringComparison.Ordinal);
        var h = WithInput(out var y);
        using var first = nn.Conv2d(4, 2, 1);
        using var second = nn.Conv2d(2, 2, 1);
        h.Conv(second, h.Conv(first, y, "a"), "b");
        Assert.Contains("'nothing' is made by no node", Assert.Throws<InvalidOperationException>(() => h.Finish("nothing", "out")).Message, StringComparison.Ordinal);
        Assert.Contains("'a' feeds other nodes", Assert.Throws<InvalidOperationException>(() => h.Finish("a", "out")).Message, StringComparison.Ordinal);
        var graph = h.Finish("b", "out");
        Assert.Equal("out", graph.Output.Single().Name);
        Assert.Equal("batch", graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
    }
}
