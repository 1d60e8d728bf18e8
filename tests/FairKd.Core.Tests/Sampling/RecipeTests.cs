using FairKd.Core.Sampling;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Sampling;

/// <summary>Recipe JSON: committed examples parse, defaults resolve, mistakes are usage errors, planning filters datasets.</summary>
public class RecipeTests
{
    [Fact]
    public void Committed_example_recipes_parse()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "data-manifests", "recipes"), "*.json");
        Assert.True(files.Length >= 7);
        foreach (var f in files)
        {
            var r = RecipeJson.Parse(File.ReadAllText(f), f);
            Assert.Equal(Path.GetFileNameWithoutExtension(f), r.Name);
        }

        var ids = RecipeJson.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "data-manifests", "recipes", "mix-equal-ids.json")), "x");
        Assert.Equal(28000, ids.Target!.KeepIdentities);
        var img = RecipeJson.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "data-manifests", "recipes", "mix-equal-images.json")), "x");
        Assert.Equal(23094, img.Target!.KeepIdentities);
        Assert.Null(img.Quota);
    }

    [Fact]
    public void Defaults_resolve_per_kind()
    {
        var real = RecipeJson.Parse("""{"name":"r","kind":"real","real":["bupt"]}""", "r");
        Assert.Equal(SamplingProtocol.ProtocolE, real.ResolvedProtocol);
        Assert.Null(real.Target);
        var syn = RecipeJson.Parse("""{"name":"s","kind":"synthetic","synthetic":["a","b"],"target":{"keepIdentities":3}}""", "s");
        Assert.Equal(SamplingProtocol.MultipleForces, syn.ResolvedProtocol);
        Assert.Equal(0.01, syn.SoftLabelTolerance);
        var mix = RecipeJson.Parse("""{"name":"m","kind":"mix","real":["r"],"synthetic":["s"],"target":{"keepImages":9},"realFraction":0.7}""", "m");
        Assert.Equal(new RealQuota(0.7, QuotaUnit.Images), mix.Quota);
    }

    [Theory]
    [InlineData("""{"name":"r","kind":"real","real":["a","b"]}""", "exactly one dataset")]
    [InlineData("""{"name":"r","kind":"real","real":["a"],"protocl":"x"}""", "invalid recipe JSON")]
    [InlineData("""{"name":"r","kind":"real","real":["a"],"protocol":"protocol_z"}""", "unknown sampling protocol")]
    [InlineData("""{"name":"r","kind":"real","real":["a"],"target":{"keepIdentities":3,"keepImages":4}}""", "exactly one of")]
    [InlineData("""{"name":"m","kind":"mix","real":["a"],"synthetic":["b"],"target":{"keepIdentities":3}}""", "set realFraction")]
    [InlineData("""{"name":"m","kind":"mix","real":["a"],"synthetic":["b"],"mode":"study","realFraction":0.5}""", "only reports")]
    [InlineData("""{"name":"s","kind":"synthetic","synthetic":["a","a"]}""", "listed twice")]
    public void Mistakes_are_usage_errors(string json, string expected)
    {
        var e = Assert.Throws<UsageException>(() => RecipeJson.Parse(json, "bad.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.json: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Planner_ignores_other_datasets_and_refuses_missing_ones()
    {
        var one = LabelSum.FromProbabilities([0.1f, 0.1f, 0.7f, 0.1f]);
        SamplingIdentity[] ids = [new("a/1", "a", false, -1, 1, one), new("b/1", "b", false, -1, 1, one), new("c/1", "c", false, -1, 1, one)];
        var r = RecipeJson.Parse("""{"name":"s","kind":"synthetic","synthetic":["a","b"],"target":{"keepIdentities":1}}""", "s");
        var plan = RecipePlanner.Plan(r, ids);
        Assert.Equal(["c"], plan.IgnoredDatasets);
        Assert.Equal(2, plan.Result.Identities.Count);
        Assert.Equal(1, plan.Result.KeptCount);
        var missing = RecipeJson.Parse("""{"name":"s","kind":"synthetic","synthetic":["a","zz"]}""", "s");
        var e = Assert.Throws<UsageException>(() => RecipePlanner.Plan(missing, ids));
        Assert.Contains("not in the input: zz", e.Message, StringComparison.Ordinal);
    }
}
