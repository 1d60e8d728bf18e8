using System.Text.Json.Nodes;

namespace FairKd.Tests.Shared;

/// <summary>Recipes for tests: adds the release fields <c>fairkd manifest build</c> requires (sources with licence,
/// access, citation and generator, ethnicityLabels, datePublished) to a recipe that only says how to sample.</summary>
public static class TestRecipes
{
    /// <summary><paramref name="json"/> with a test source entry for every dataset it names (unless it already has sources).</summary>
    public static string WithReleaseFields(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        o["ethnicityLabels"] ??= "test soft labels";
        o["datePublished"] ??= "2026-01-02";
        if (o["sources"] is null)
        {
            var sources = new JsonObject();
            foreach (var list in new[] { "real", "synthetic" })
                foreach (var d in o[list]?.AsArray() ?? [])
                    sources[d!.GetValue<string>()] = new JsonObject
                    {
                        ["title"] = $"Test set {d}",
                        ["license"] = "CC0-1.0",
                        ["access"] = "made by the test",
                        ["citation"] = $"@misc{{test_{d},\n  title={{Test set {d}}}\n}}",
                        ["generator"] = new JsonObject { ["name"] = "test generator", ["version"] = "1", ["paper"] = "none" },
                    };
            o["sources"] = sources;
        }

        return o.ToJsonString();
    }
}
