using FairKd.Core;
using FairKd.Torch.Models;

namespace FairKd.Torch.Tests;

public class ModelSpecTextTests
{
    [Theory]
    [InlineData("iresnet100", "iresnet100", 1.0, 112, 512, 0.0)]
    [InlineData("IResNet18:width=0.0625", "iresnet18:width=0.0625", 0.0625, 112, 512, 0.0)]
    [InlineData("mobilefacenet: input=56 , width=0.25", "mobilefacenet:width=0.25,input=56", 0.25, 56, 512, 0.0)]
    [InlineData("iresnet50:dropout=0.4,emb=128", "iresnet50:emb=128,dropout=0.4", 1.0, 112, 128, 0.4)]
    [InlineData("iresnet34:width=1,input=112", "iresnet34", 1.0, 112, 512, 0.0)]
    public void Parses_and_formats_canonically(string text, string canonical, double width, int input, int emb, double dropout)
    {
        var spec = ModelSpecText.Parse(text);
        Assert.Equal(width, spec.WidthMultiplier);
        Assert.Equal(input, spec.InputSize);
        Assert.Equal(emb, spec.EmbeddingSize);
        Assert.Equal(dropout, spec.Dropout);
        Assert.Equal(canonical, ModelSpecText.Format(spec));
        Assert.Equal(spec, ModelSpecText.Parse(ModelSpecText.Format(spec)));
    }

    [Theory]
    [InlineData("", "give a model")]
    [InlineData("resnet9", "unknown model 'resnet9'")]
    [InlineData("iresnet18:width", "not key=value")]
    [InlineData("iresnet18:depth=3", "unknown key 'depth'")]
    [InlineData("iresnet18:width=abc", "width=abc is not a number")]
    [InlineData("iresnet18:input=5.5", "input=5.5 is not an integer")]
    [InlineData("iresnet18:input=8", "input size 8")]
    [InlineData("mobilefacenet:dropout=0.2", "")]
    public void Refuses_bad_text_with_a_usage_error(string text, string message)
    {
        var e = Record.Exception(() =>
        {
            var spec = ModelSpecText.Parse(text, "--teacher");
            using var m = ModelRegistry.Create(spec);
        });
        Assert.IsAssignableFrom<UsageException>(e);
        Assert.Contains(message, e!.Message, StringComparison.Ordinal);
    }
}
