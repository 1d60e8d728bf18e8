using FairKd.Core;
using FairKd.Torch.Models;
using static TorchSharp.torch;

namespace FairKd.Torch.Tests;

/// <summary>Every registered model (timm test_models.py style): forward shape, backward, unique keys.</summary>
public class ModelRegistryTests
{
    public static IEnumerable<object[]> Names() => ModelRegistry.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_backward_and_keys_on_a_tiny_variant(string name)
    {
        manual_seed(1);
        using var model = ModelRegistry.Create(new ModelSpec(name, WidthMultiplier: 1.0 / 32, InputSize: 32, EmbeddingSize: 8));
        using var scope = NewDisposeScope();
        model.train();
        var x = randn(2, 3, 32, 32);
        var y = model.forward(x);
        Assert.Equal([2L, 8L], y.shape);
        Assert.True(y.isfinite().all().item<bool>());
        y.pow(2).sum().backward();
        var withGrad = model.parameters().Where(p => p.requires_grad).ToList();
        Assert.NotEmpty(withGrad);
        Assert.All(withGrad, p => Assert.True(p.grad is not null && p.grad.isfinite().all().item<bool>()));

        var keys = model.state_dict().Keys.ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Contains(keys, k => k.StartsWith("features.", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.Contains("..", StringComparison.Ordinal) || k.StartsWith('.') || k.Contains("BackingField", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_name_is_a_usage_error_listing_the_names()
    {
        var ex = Assert.Throws<UsageException>(() => ModelRegistry.Create(new ModelSpec("resnet9000")));
        Assert.Contains("resnet9000", ex.Message, StringComparison.Ordinal);
        foreach (var n in ModelRegistry.Names) Assert.Contains(n, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, 112, 512, 0.0)]
    [InlineData(1.0, 8, 512, 0.0)]
    [InlineData(1.0, 112, 0, 0.0)]
    [InlineData(1.0, 112, 512, 1.0)]
    public void Out_of_range_options_are_usage_errors(double width, int input, int embedding, double dropout)
    {
        Assert.Throws<UsageException>(() => ModelRegistry.Create(new ModelSpec("iresnet18", width, input, embedding, dropout)));
    }

    [Fact]
    public void Iresnet_features_weight_is_fixed_at_one_and_convs_are_normal_0_01()
    {
        manual_seed(3);
        using var model = ModelRegistry.Create(new ModelSpec("iresnet18", 0.5, 32, 16));
        var sd = model.state_dict();
        Assert.False(sd["features.weight"].requires_grad);
        Assert.True(sd["features.weight"].eq(1).all().item<bool>());
        var w = sd["layer3.0.conv1.weight"]; // 64 x 64 x 3 x 3 = 36864 draws
        Assert.Equal(0.1, w.std().item<float>(), 0.005);
        Assert.Equal(0.0, w.mean().item<float>(), 0.005);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        static float[] Fc()
        {
            manual_seed(42);
            using var m = ModelRegistry.Create(new ModelSpec("iresnet18", 1.0 / 32, 32, 8));
            return m.state_dict()["layer1.0.conv1.weight"].data<float>().ToArray();
        }

        Assert.Equal(Fc(), Fc());
    }

    [Fact]
    public void Dropout_is_active_in_training_and_off_in_eval()
    {
        manual_seed(5);
        using var model = ModelRegistry.Create(new ModelSpec("iresnet18", 1.0 / 32, 32, 8, Dropout: 0.5));
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 32, 32);
        model.eval();
        var a = model.forward(x);
        var b = model.forward(x);
        Assert.True(a.allclose(b));
        model.train();
        var c = model.forward(x);
        var d = model.forward(x);
        Assert.False(c.allclose(d));
    }
}
