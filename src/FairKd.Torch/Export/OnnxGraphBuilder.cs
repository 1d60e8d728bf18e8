using System.Runtime.InteropServices;
using FairKd.Core.Tensors;
using FairKd.Torch.Interop;
using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FairKd.Torch.Export;

/// <summary>
/// Builds an ONNX graph node by node from TorchSharp modules. Weights become float32 initializers (raw little-endian
/// bytes, the module's parameter names), each node's output is named after the module path that made it, and every
/// value's shape is inferred and checked as it is added: a channel count, kernel or feature size that does not fit
/// throws <see cref="InvalidOperationException"/> naming the node, so a graph that is built is well-formed.
/// Dimension 0 of every value is the dynamic batch.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The dynamic batch dimension in a shape.</summary>
    public const long Batch = -1;

    private readonly GraphProto graph = new();
    private readonly Dictionary<string, long[]> shapes = new(StringComparer.Ordinal);
    private readonly HashSet<string> initializers = new(StringComparer.Ordinal);
    private readonly string batchDimension;
    private string? input;

    /// <param name="graphName">The graph's name.</param>
    /// <param name="batchDimension">The symbolic name of dimension 0 (dim_param).</param>
    public OnnxGraphBuilder(string graphName, string batchDimension)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not");
        graph.Name = graphName;
        this.batchDimension = batchDimension;
    }

    /// <summary>The inferred shape of a value (<see cref="Batch"/> for the batch dimension).</summary>
    public IReadOnlyList<long> ShapeOf(string value) =>
        shapes.TryGetValue(value, out var s) ? s : throw new InvalidOperationException($"no value named '{value}' in the graph");

    /// <summary>Declares the float32 graph input [batch, ...<paramref name="dims"/>].</summary>
    public string Input(string name, params long[] dims)
    {
        if (input is not null) throw new InvalidOperationException("the graph already has its input");
        input = name;
        Define(name, [Batch, .. dims]);
        return name;
    }

    /// <summary>A convolution (weight and optional bias as initializers; zero padding only).</summary>
    public string Conv(Conv2d conv, string x, string name)
    {
        var padding = conv.padding ?? throw new InvalidOperationException($"{name}: only convolutions with explicit padding can be exported");
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
            throw new InvalidOperationException($"{name}: only zero-padded convolutions can be exported (got {conv.padding_mode})");
        var s = Expect(x, 4, name);
        var w = conv.weight!.shape;
        var (groups, kernel, stride, dilation) = (conv.groups, conv.kernel_size, conv.stride, conv.dilation);
        if (w[1] * groups != s[1] || w[0] % groups != 0)
            throw new InvalidOperationException($"{name}: weight [{string.Join(", ", w)}] with {groups} groups does not fit {s[1]} input channels");
        var output = new long[] { s[0], w[0], 0, 0 };
        for (var i = 0; i < 2; i++)
        {
            output[2 + i] = ((s[2 + i] + (2 * padding[i]) - (dilation[i] * (kernel[i] - 1)) - 1) / stride[i]) + 1;
            if (output[2 + i] < 1) throw new InvalidOperationException($"{name}: a {s[2]}x{s[3]} input is smaller than the {kernel[0]}x{kernel[1]} kernel");
        }

        List<string> inputs = [x, Initializer(name + ".weight", conv.weight!)];
        if (conv.bias is { } bias) inputs.Add(Initializer(name + ".bias", bias, w[0]));
        var node = Node("Conv", name, inputs, output);
        node.Attribute.Add(Ints("dilations", dilation[0], dilation[1]));
        node.Attribute.Add(Int("group", groups));
        node.Attribute.Add(Ints("kernel_shape", kernel[0], kernel[1]));
        node.Attribute.Add(Ints("pads", padding[0], padding[1], padding[0], padding[1]));
        node.Attribute.Add(Ints("strides", stride[0], stride[1]));
        return name;
    }

    /// <summary>An eval-mode BatchNorm (running statistics) over [N, C, ...] as BatchNormalization.</summary>
    public string BatchNorm(GcSafeBatchNorm bn, string x, string name)
    {
        var s = Expect(x, bn.InputDims, name);
        var c = bn.num_features;
        if (s[1] != c) throw new InvalidOperationException($"{name}: BatchNorm of {c} features on {s[1]} channels");
        if (bn.weight is null || bn.bias is null || bn.running_mean is null || bn.running_var is null)
            throw new InvalidOperationException($"{name}: only affine BatchNorms with running statistics can be exported");
        var node = Node("BatchNormalization", name,
            [x, Initializer(name + ".weight", bn.weight, c), Initializer(name + ".bias", bn.bias, c),
                Initializer(name + ".running_mean", bn.running_mean, c), Initializer(name + ".running_var", bn.running_var, c)], s);
        node.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = (float)bn.eps });
        return name;
    }

    /// <summary>PReLU with one slope per channel; the slope is stored as [C, 1, 1] so ONNX broadcasting puts it on axis 1.</summary>
    public string PRelu(GcSafePReLU prelu, string x, string name)
    {
        var s = Expect(x, 4, name);
        if (s[1] != prelu.NumParameters) throw new InvalidOperationException($"{name}: PReLU of {prelu.NumParameters} slopes on {s[1]} channels");
        Node("PRelu", name, [x, Initializer(name + ".weight", prelu.Weight, prelu.NumParameters, [prelu.NumParameters, 1, 1])], s);
        return name;
    }

    /// <summary>Elementwise sum of two values of the same shape.</summary>
    public string Add(string a, string b, string name)
    {
        var sa = ShapeOf(a);
        var sb = ShapeOf(b);
        if (!sa.SequenceEqual(sb)) throw new InvalidOperationException($"{name}: cannot add [{Dims(sa)}] and [{Dims(sb)}]");
        Node("Add", name, [a, b], [.. sa]);
        return name;
    }

    /// <summary>[N, C, H, W] -> [N, C*H*W] (Flatten, axis 1).</summary>
    public string Flatten(string x, string name)
    {
        var s = Expect(x, 4, name);
        Node("Flatten", name, [x], [s[0], s[1] * s[2] * s[3]]).Attribute.Add(Int("axis", 1));
        return name;
    }

    /// <summary>A linear layer y = x W^T + b as Gemm (transB = 1).</summary>
    public string Gemm(Linear linear, string x, string name)
    {
        var s = Expect(x, 2, name);
        var w = linear.weight!.shape;
        if (w[1] != s[1]) throw new InvalidOperationException($"{name}: linear layer of {w[1]} inputs on {s[1]} features");
        List<string> inputs = [x, Initializer(name + ".weight", linear.weight!)];
        if (linear.bias is { } bias) inputs.Add(Initializer(name + ".bias", bias, w[0]));
        Node("Gemm", name, inputs, [s[0], w[0]]).Attribute.Add(Int("transB", 1));
        return name;
    }

    /// <summary>
    /// Any module of an inference-form network: an <see cref="IOnnxExportable"/> emits itself, a Sequential chains its
    /// children (named <c>name.child</c>), and Conv2d, BatchNorm, PReLU and Linear map to their nodes. Anything else
    /// throws <see cref="NotSupportedException"/> naming the module.
    /// </summary>
    public string Module(nn.Module<Tensor, Tensor> module, string x, string name) => module switch
    {
        IOnnxExportable e => e.ToOnnx(this, x, name),
        Sequential s => s.named_children().Aggregate(x, (v, c) => Module((nn.Module<Tensor, Tensor>)c.module, v, Join(name, c.name))),
        Conv2d c => Conv(c, x, name),
        GcSafeBatchNorm b => BatchNorm(b, x, name),
        GcSafePReLU p => PRelu(p, x, name),
        Linear l => Gemm(l, x, name),
        _ => throw new NotSupportedException($"{name}: no ONNX form for a {module.GetType().Name} module"),
    };

    /// <summary>"a.b", or b alone when a is empty.</summary>
    public static string Join(string prefix, string child) => prefix.Length == 0 ? child : prefix + "." + child;

    /// <summary>Makes <paramref name="value"/> the graph output named <paramref name="outputName"/> and returns the
    /// graph with its input, output and a value_info for every intermediate value.</summary>
    public GraphProto Finish(string value, string outputName)
    {
        if (input is null) throw new InvalidOperationException("the graph has no input");
        var producer = graph.Node.LastOrDefault(n => n.Output.Contains(value))
            ?? throw new InvalidOperationException($"the output '{value}' is made by no node");
        if (shapes.ContainsKey(outputName)) throw new InvalidOperationException($"the output name '{outputName}' is already used in the graph");
        if (graph.Node.Any(n => n.Input.Contains(value))) throw new InvalidOperationException($"the output '{value}' feeds other nodes");
        producer.Output[producer.Output.IndexOf(value)] = outputName;
        shapes[outputName] = shapes[value];
        shapes.Remove(value);
        graph.Input.Add(ValueInfo(input));
        graph.Output.Add(ValueInfo(outputName));
        foreach (var n in graph.Node.Where(n => n.Output[0] != outputName)) graph.ValueInfo.Add(ValueInfo(n.Output[0]));
        return graph;
    }

    private long[] Expect(string x, int rank, string name)
    {
        var s = (long[])ShapeOf(x);
        if (s.Length != rank) throw new InvalidOperationException($"{name}: expects a {rank}-d input, got [{Dims(s)}]");
        return s;
    }

    private NodeProto Node(string op, string name, IEnumerable<string> inputs, long[] outputShape)
    {
        Define(name, outputShape);
        var node = new NodeProto { Name = name, OpType = op };
        node.Input.Add(inputs);
        node.Output.Add(name);
        graph.Node.Add(node);
        return node;
    }

    private void Define(string value, long[] shape)
    {
        if (!shapes.TryAdd(value, shape) || initializers.Contains(value))
            throw new InvalidOperationException($"the name '{value}' is used twice in the graph");
    }

    /// <summary>A float32 initializer from <paramref name="t"/> (any dtype, device and strides), with an optional
    /// expected element count and ONNX shape (default: the tensor's). Non-finite values are refused.</summary>
    private string Initializer(string name, Tensor t, long? count = null, long[]? dims = null)
    {
        if (count is { } n && t.numel() != n) throw new InvalidOperationException($"{name}: {t.numel()} values, {n} expected");
        if (shapes.ContainsKey(name) || !initializers.Add(name)) throw new InvalidOperationException($"the name '{name}' is used twice in the graph");
        float[] values;
        using (NewDisposeScope())
        {
            values = t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        }

        if (!Chw.AllFinite(values)) throw new InvalidOperationException($"{name} holds NaN or infinite values");
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()),
        };
        tensor.Dims.Add(dims ?? t.shape);
        graph.Initializer.Add(tensor);
        return name;
    }

    private ValueInfoProto ValueInfo(string value)
    {
        var shape = new TensorShapeProto();
        foreach (var d in shapes[value])
            shape.Dim.Add(d == Batch ? new TensorShapeProto.Types.Dimension { DimParam = batchDimension } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = value,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.Add(values);
        return a;
    }

    private static string Dims(IEnumerable<long> shape) => string.Join(", ", shape.Select(d => d == Batch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>A module of an inference-form network that writes its own ONNX nodes (mirroring its <c>forward</c>).</summary>
internal interface IOnnxExportable
{
    /// <summary>Adds the module's nodes reading <paramref name="x"/>, named under <paramref name="name"/>; returns the output value.</summary>
    string ToOnnx(OnnxGraphBuilder graph, string x, string name);
}
