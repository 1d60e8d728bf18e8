using FairKd.Core.Records;
using FairKd.Core.Sampling;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>Small labelled sample sets for the manifest tests: a real dataset with folder groups and two synthetic ones.</summary>
internal static class ManifestFixtures
{
    public static List<LabeledSample> Samples(int seed = 1, int realPerGroup = 3, int synthIds = 8)
    {
        var rnd = new Random(seed);
        var list = new List<LabeledSample>();
        foreach (var g in EthnicGroups.Order)
            for (var i = 0; i < realPerGroup; i++)
                Add("bupt", $"bupt/{g}/m.{g[..2]}{i}", g, $"{g}/m.{g[..2]}{i}", 1 + rnd.Next(4), EthnicGroups.IndexOf(g));
        foreach (var ds in new[] { "idiff", "dcface" })
            for (var i = 0; i < synthIds; i++)
                Add(ds, $"{ds}/{i:000}", null, $"{i:000}", 1 + rnd.Next(4), rnd.Next(4));
        return list;

        void Add(string ds, string identity, string? group, string folder, int images, int main)
        {
            for (var k = 0; k < images; k++)
            {
                var p = new float[4];
                var rest = 1f;
                for (var c = 0; c < 4; c++)
                {
                    if (c == main) continue;
                    p[c] = (float)Math.Round(rnd.NextDouble() * 0.15, 3);
                    rest -= p[c];
                }

                p[main] = rest;
                var rel = $"{folder}/{k}.jpg";
                list.Add(new LabeledSample($"{ds}/{rel}", ds, identity, group, rel, p, null));
            }
        }
    }

    public static Recipe Mix(int keep = 12) => RecipeJson.Parse(TestRecipes.WithReleaseFields(
        $$$"""{"name":"mix","kind":"mix","real":["bupt"],"synthetic":["idiff","dcface"],"target":{"keepIdentities":{{{keep}}}},"realFraction":0.5,"fractionBy":"identities"}"""),
        "mix.json");

    public static Recipe Real(int keep) => RecipeJson.Parse(TestRecipes.WithReleaseFields(
        $$$"""{"name":"real","kind":"real","real":["bupt"],"target":{"keepIdentities":{{{keep}}}}}"""), "real.json");
}
