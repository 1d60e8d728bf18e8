using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FairKd.Data.Manifest;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>
/// croissant.json against the committed copy of the Croissant 1.0 context and required properties
/// (reference/croissant-1.0): a fresh release, the committed demo releases, and a broken file the check must reject.
/// </summary>
public class CroissantTests
{
    private static readonly string Reference = Path.Combine(RepoPaths.Root, "reference", "croissant-1.0");

    private static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    /// <summary>Every way <paramref name="doc"/> falls short of the committed requirements, for the release in <paramref name="dir"/>.</summary>
    internal static List<string> Problems(JsonObject doc, string dir)
    {
        var req = Load(Path.Combine(Reference, "required.json"));
        var problems = new List<string>();
        foreach (var p in req["dataset"]!.AsArray().Select(x => x!.GetValue<string>()))
            if (!Present(doc[p])) problems.Add($"dataset: {p} missing or empty");
        if (doc["@type"]?.GetValue<string>() != req["datasetType"]!.GetValue<string>()) problems.Add("dataset: @type is not sc:Dataset");
        if (doc["conformsTo"]?.GetValue<string>() != req["conformsTo"]!.GetValue<string>()) problems.Add("dataset: conformsTo is not Croissant 1.0");
        if (!JsonNode.DeepEquals(doc["@context"], Load(Path.Combine(Reference, "context.json"))["@context"])) problems.Add("dataset: @context differs from the Croissant 1.0 context");
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in doc["distribution"]?.AsArray() ?? [])
        {
            var o = f!.AsObject();
            var id = o["@id"]?.GetValue<string>() ?? "?";
            Typed(o, "fileObject", id);
            var path = Path.Combine(dir, o["contentUrl"]?.GetValue<string>() ?? "");
            if (!File.Exists(path)) { problems.Add($"{id}: contentUrl does not name a file of the release"); continue; }
            if (o["sha256"]?.GetValue<string>() != Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))) problems.Add($"{id}: sha256 differs from the file");
            files[id] = path;
        }

        foreach (var rs in doc["recordSet"]?.AsArray() ?? [])
        {
            var o = rs!.AsObject();
            var id = o["@id"]?.GetValue<string>() ?? "?";
            Typed(o, "recordSet", id);
            var fieldIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var fl in o["field"]?.AsArray() ?? [])
            {
                var field = fl!.AsObject();
                var fid = field["@id"]?.GetValue<string>() ?? "?";
                fieldIds.Add(fid);
                Typed(field, "field", fid);
                var file = field["source"]?["fileObject"]?["@id"]?.GetValue<string>();
                var column = field["source"]?["extract"]?["column"]?.GetValue<string>();
                if (file is null || !files.TryGetValue(file, out var csv)) { problems.Add($"{fid}: source.fileObject is not a distribution file"); continue; }
                if (column is null || !File.ReadLines(csv).First().Split(',').Contains(column)) problems.Add($"{fid}: column '{column}' is not in {file}");
            }

            if (o["key"]?["@id"]?.GetValue<string>() is not { } key || !fieldIds.Contains(key)) problems.Add($"{id}: key is not one of its fields");
        }

        return problems;

        void Typed(JsonObject o, string cls, string id)
        {
            if (o["@type"]?.GetValue<string>() != req[cls]!["type"]!.GetValue<string>()) problems.Add($"{id}: @type is not {req[cls]!["type"]}");
            foreach (var p in req[cls]!["required"]!.AsArray().Select(x => x!.GetValue<string>()))
                if (!Present(o[p])) problems.Add($"{id}: {p} missing or empty");
        }
    }

    private static bool Present(JsonNode? n) => n switch
    {
        null => false,
        JsonValue v => v.TryGetValue<string>(out var s) ? !string.IsNullOrWhiteSpace(s) : true,
        JsonArray a => a.Count > 0,
        _ => true,
    };

    [Fact]
    public void The_export_uses_the_committed_context_and_required_properties()
    {
        var req = Load(Path.Combine(Reference, "required.json"));
        Assert.Equal(req["dataset"]!.AsArray().Select(x => x!.GetValue<string>()), CroissantExport.RequiredDatasetProperties);
        Assert.True(JsonNode.DeepEquals(CroissantExport.Context(), Load(Path.Combine(Reference, "context.json"))["@context"]));
    }

    [Fact]
    public async Task A_built_release_has_a_valid_croissant_file_and_a_broken_one_is_rejected()
    {
        using var tmp = new TempDir("croissant");
        var dir = tmp.Combine("rel");
        await ManifestBuilder.BuildAsync(ManifestFixtures.Mix(), ManifestFixtures.Samples(), dir, new ManifestBuildOptions { FairKdVersion = "9.9.9" });
        var doc = Load(Path.Combine(dir, ReleaseFiles.Croissant));
        Assert.Empty(Problems(doc, dir));
        Assert.Equal(3, doc["isBasedOn"]!.AsArray().Count);
        Assert.Equal("test generator", doc["isBasedOn"]![1]!["isBasedOn"]!["name"]!.GetValue<string>());

        doc.Remove("license");
        doc["distribution"]![0]!["sha256"] = "00";
        doc["recordSet"]![0]!["field"]![0]!["source"]!["extract"]!["column"] = "nope";
        Assert.Equal(["dataset: license missing or empty", "samples.csv: sha256 differs from the file", "samples/dataset: column 'nope' is not in samples.csv"],
            Problems(doc, dir));
    }

    [Theory]
    [InlineData("demo-real")]
    [InlineData("demo-synthetic")]
    [InlineData("demo-mix")]
    public void The_committed_demo_releases_have_valid_croissant_files(string name)
    {
        var dir = Path.Combine(RepoPaths.Root, "data-manifests", name);
        Assert.Empty(Problems(Load(Path.Combine(dir, ReleaseFiles.Croissant)), dir));
        Assert.Empty(ReleaseStats.Check(ReleaseReader.Read(dir)).Mismatches);
    }
}
