using FairKd.Core.Tensors;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests.Export;

/// <summary>Networks, golden inputs and the two runtimes the ONNX export tests compare.</summary>
internal static class ExportFixtures
{
    /// <summary>The tiny form of a registered model: 1/32 width (2-channel stem), 16-d embeddings, 112x112 input.</summary>
    public static ModelSpec Tiny(string name) => new(name, 0.03125, 112, 16);

    /// <summary>A seeded network whose BatchNorms have non-trivial statistics and affine terms and whose PReLU slopes
    /// differ per channel, so that folding and every parameter are exercised.</summary>
    public static FaceBackbone Random(ModelSpec spec, int seed)
    {
        manual_seed(seed);
        var model = ModelRegistry.Create(spec);
        using (no_grad())
        {
            foreach (var (key, t) in model.state_dict())
            {
                if (key.EndsWith("running_var", StringComparison.Ordinal)) t.uniform_(0.5, 1.5);
                else if (key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith("bias", StringComparison.Ordinal)) t.normal_(0, 0.1);
                else if (t.dim() == 1 && key.EndsWith("weight", StringComparison.Ordinal)) t.uniform_(0.5, 1.5); // BN scales, PReLU slopes
            }
        }

        model.eval();
        return model;
    }

    /// <summary>The golden input of the 112x112 cases (tests/golden/models/input112.u8, 2 images) as
    /// <c>(p - 127.5) / 127.5</c>: batch 1 = the first image; larger batches cycle through the two images and
    /// their mirrors.</summary>
    public static float[] GoldenInput(int batch)
    {
        const int per = 3 * 112 * 112;
        var images = File.ReadAllBytes(RepoPaths.Golden("models/input112.u8")).Select(b => (b - 127.5f) / 127.5f).ToArray();
        Assert.Equal(2 * per, images.Length);
        var x = new float[batch * per];
        for (var i = 0; i < batch; i++)
        {
            var source = images.AsSpan((i % 2) * per, per);
            var target = x.AsSpan(i * per, per);
            if ((i / 2) % 2 == 0) source.CopyTo(target);
            else Chw.FlipHorizontal(source, target, 3, 112, 112);
        }

        return x;
    }

    /// <summary>The module's forward in eval mode, [batch, E] flattened.</summary>
    public static float[] Forward(FaceBackbone model, float[] x, int batch)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        return model.forward(tensor(x, [batch, 3, model.InputSize, model.InputSize])).data<float>().ToArray();
    }

    /// <summary>The session's only output for <paramref name="x"/> fed to its only input as [batch, 3, S, S].</summary>
    public static float[] Run(InferenceSession session, float[] x, int batch, int size)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(x, [batch, 3, size, size]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [session.InputMetadata.Keys.Single()], [value], [session.OutputMetadata.Keys.Single()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Cosine similarity of each embedding row.</summary>
    public static double[] RowCosines(float[] a, float[] b, int dim)
    {
        Assert.Equal(a.Length, b.Length);
        return [.. Enumerable.Range(0, a.Length / dim).Select(r => Vectors.Cosine(a.AsSpan(r * dim, dim), b.AsSpan(r * dim, dim)))];
    }
}
