using System.Text.Json;
using FairKd.Tests.Shared;
using FairKd.Torch.Models;

namespace FairKd.Torch.Tests;

/// <summary>Full-size parameter counts against the published numbers and the PyTorch peer (golden params.json).</summary>
public class ParameterCountTests
{
    [Theory]
    [InlineData("iresnet100", 65_156_160L, 925)]
    [InlineData("iresnet34", 34_139_328L, 331)]
    public void Published_counts(string name, long parameters, int entries)
    {
        using var m = ModelRegistry.Create(new ModelSpec(name));
        Assert.Equal(parameters, m.ParameterCount());
        Assert.Equal(entries, m.state_dict().Count);
    }

    [Theory]
    [InlineData("iresnet18")]
    [InlineData("iresnet50")]
    [InlineData("mobilefacenet")]
    public void Counts_match_the_pytorch_peer(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("models/params.json")));
        var expected = doc.RootElement.GetProperty(name);
        using var m = ModelRegistry.Create(new ModelSpec(name));
        Assert.Equal(expected.GetProperty("parameters").GetInt64(), m.ParameterCount());
        Assert.Equal(expected.GetProperty("state_dict_entries").GetInt32(), m.state_dict().Count);
    }

    [Fact]
    public void Mobilefacenet_is_about_2_06_million()
    {
        using var m = ModelRegistry.Create(new ModelSpec("mobilefacenet"));
        Assert.InRange(m.ParameterCount(), 2_050_000, 2_070_000);
    }

    [Fact]
    public void Iresnet200_key_count_matches_the_peer_without_building_it_full_size()
    {
        // The key structure does not depend on width: a tiny r200 has the same state_dict entries as the full one.
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("models/params.json")));
        using var m = ModelRegistry.Create(new ModelSpec("iresnet200", 1.0 / 64, 16, 4));
        Assert.Equal(doc.RootElement.GetProperty("iresnet200").GetProperty("state_dict_entries").GetInt32(), m.state_dict().Count);
    }
}
