using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FairKd.Data.Manifest;

/// <summary>
/// <c>croissant.json</c>: the release described in Croissant 1.0 (MLCommons' JSON-LD vocabulary for ML datasets,
/// http://mlcommons.org/croissant/1.0): the dataset-level properties the specification requires, the sources as
/// <c>isBasedOn</c> (licence, access terms, citation, generator), the release files as <c>cr:FileObject</c>s with
/// SHA-256, and <c>samples.csv</c> / <c>identities.csv</c> as record sets whose fields read the CSV columns.
/// The copy of the specification's context and required properties it is tested against is in <c>reference/croissant-1.0/</c>.
/// </summary>
public static class CroissantExport
{
    /// <summary>The conformance IRI of Croissant 1.0.</summary>
    public const string ConformsTo = "http://mlcommons.org/croissant/1.0";

    /// <summary>Dataset-level properties Croissant 1.0 requires (specification, "Required"; distribution from "Modified and Added Properties").</summary>
    public static IReadOnlyList<string> RequiredDatasetProperties { get; } =
        ["@context", "@type", "conformsTo", "description", "license", "name", "url", "creator", "datePublished", "distribution"];

    /// <summary>The JSON-LD context of the Croissant 1.0 reference datasets (terms sorted).</summary>
    public static JsonObject Context() => new()
    {
        ["@language"] = "en",
        ["@vocab"] = "https://schema.org/",
        ["citeAs"] = "cr:citeAs",
        ["column"] = "cr:column",
        ["conformsTo"] = "dct:conformsTo",
        ["cr"] = "http://mlcommons.org/croissant/",
        ["rai"] = "http://mlcommons.org/croissant/RAI/",
        ["data"] = new JsonObject { ["@id"] = "cr:data", ["@type"] = "@json" },
        ["dataType"] = new JsonObject { ["@id"] = "cr:dataType", ["@type"] = "@vocab" },
        ["dct"] = "http://purl.org/dc/terms/",
        ["examples"] = new JsonObject { ["@id"] = "cr:examples", ["@type"] = "@json" },
        ["extract"] = "cr:extract",
        ["field"] = "cr:field",
        ["fileProperty"] = "cr:fileProperty",
        ["fileObject"] = "cr:fileObject",
        ["fileSet"] = "cr:fileSet",
        ["format"] = "cr:format",
        ["includes"] = "cr:includes",
        ["isLiveDataset"] = "cr:isLiveDataset",
        ["jsonPath"] = "cr:jsonPath",
        ["key"] = "cr:key",
        ["md5"] = "cr:md5",
        ["parentField"] = "cr:parentField",
        ["path"] = "cr:path",
        ["recordSet"] = "cr:recordSet",
        ["references"] = "cr:references",
        ["regex"] = "cr:regex",
        ["repeated"] = "cr:repeated",
        ["replace"] = "cr:replace",
        ["sc"] = "https://schema.org/",
        ["separator"] = "cr:separator",
        ["source"] = "cr:source",
        ["subField"] = "cr:subField",
        ["transform"] = "cr:transform",
        ["wd"] = "https://www.wikidata.org/wiki/",
    };

    private static readonly (string File, string Format, string Description)[] Files =
    [
        (ReleaseFiles.Samples, "text/csv", "One row per image of the release, sorted by key."),
        (ReleaseFiles.Identities, "text/csv", "One row per identity of the recipe's datasets, kept or removed, with its group and score."),
        (ReleaseFiles.CardJson, "application/json", "The data card (machine-readable)."),
        (ReleaseFiles.CardMarkdown, "text/markdown", "The data card (readable)."),
    ];

    private static readonly (string Column, string Type, string Description)[] SampleFields =
    [
        ("dataset", "sc:Text", "Dataset (source) name, as in the cache and the recipe."),
        ("identity", "sc:Text", "Dataset-qualified identity."),
        ("relative_path", "sc:Text", "Image path relative to the dataset's root."),
        ("key", "sc:Text", "dataset/relative_path: unique sample key."),
        ("sha256", "sc:Text", "SHA-256 of the image file, empty when the cache did not record it."),
    ];

    private static readonly (string Column, string Type, string Description)[] IdentityFields =
    [
        ("identity", "sc:Text", "Dataset-qualified identity."),
        ("dataset", "sc:Text", "Dataset (source) name."),
        ("group", "sc:Text", "Assigned group: folder group or argmax of the summed soft labels (African, Asian, Caucasian, Indian)."),
        ("score", "sc:Float", "The protocol's score of the identity."),
        ("images", "sc:Integer", "Images of the identity."),
        ("status", "sc:Text", "kept or removed."),
        ("removal_order", "sc:Integer", "1-based order of removal; empty when kept."),
    ];

    /// <summary>croissant.json of the release in <paramref name="dir"/> (its card and CSV files must be written), '\n' line ends.</summary>
    public static string Build(DataCard card, string dir)
    {
        ArgumentNullException.ThrowIfNull(card);
        var sources = card.Sources ?? throw new Core.UsageException($"{card.Name}: the card has no sources (schema {card.Schema}); rebuild or re-card it with a recipe");
        var citeAs = card.Recipe is { } r && r.TryGetProperty("citation", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()! : string.Join("\n\n", sources.Select(s => s.Citation).Distinct(StringComparer.Ordinal));
        var url = card.Recipe is { } r2 && r2.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String
            ? u.GetString()! : $"data-manifests/{card.Name}/";
        var doc = new JsonObject
        {
            ["@context"] = Context(),
            ["@type"] = "sc:Dataset",
            ["name"] = card.Name,
            ["description"] = $"{card.Description} FairKd release (sample list) of kind {card.Kind}: {card.Numbers.KeptIdentities} identities, " +
                $"{card.Numbers.KeptImages} images, protocol {card.Protocol}, target {card.Target}. The images themselves are not distributed: " +
                "obtain them from each source under its terms (isBasedOn).",
            ["conformsTo"] = ConformsTo,
            ["citeAs"] = citeAs,
            ["license"] = new JsonArray([.. sources.Select(s => s.License).Distinct(StringComparer.Ordinal).Select(l => (JsonNode)l)]),
            ["url"] = url,
            ["creator"] = new JsonObject { ["@type"] = "sc:Organization", ["name"] = card.Creator },
            ["datePublished"] = card.DatePublished,
            ["version"] = card.Version,
            ["keywords"] = new JsonArray("face recognition", "knowledge distillation", "demographic fairness", "sample list"),
            ["isBasedOn"] = new JsonArray([.. sources.Select(s => (JsonNode)Source(s))]),
            ["distribution"] = new JsonArray([.. Files.Select(f => (JsonNode)FileObject(dir, f.File, f.Format, f.Description))]),
            ["recordSet"] = new JsonArray(
                RecordSet("samples", "The images of the release.", ReleaseFiles.Samples, "key", SampleFields, ("identity", "identities/identity")),
                RecordSet("identities", "Identities of the recipe's datasets with their group, score and status.", ReleaseFiles.Identities, "identity", IdentityFields, null)),
        };
        return doc.ToJsonString(DataCard.JsonOptions).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonObject Source(SourceCard s)
    {
        var o = new JsonObject
        {
            ["@type"] = "sc:Dataset",
            ["@id"] = "source/" + s.Name,
            ["name"] = s.Title,
            ["alternateName"] = s.Name,
            ["description"] = $"{s.Kind} source '{s.Name}' of the release",
            ["license"] = s.License,
            ["conditionsOfAccess"] = s.Access,
            ["citation"] = s.Citation,
        };
        if (s.Url is not null) o["url"] = s.Url;
        if (s.Generator is { } g)
            o["isBasedOn"] = new JsonObject { ["@type"] = "sc:SoftwareApplication", ["name"] = g.Name, ["softwareVersion"] = g.Version, ["citation"] = g.Paper };
        return o;
    }

    private static JsonObject FileObject(string dir, string file, string format, string description)
    {
        var path = Path.Combine(dir, file);
        return new JsonObject
        {
            ["@type"] = "cr:FileObject",
            ["@id"] = file,
            ["name"] = file,
            ["description"] = description,
            ["contentUrl"] = file,
            ["contentSize"] = new FileInfo(path).Length.ToString(CultureInfo.InvariantCulture) + " B",
            ["encodingFormat"] = format,
            ["sha256"] = ReleaseWriter.Sha256Of(path),
        };
    }

    private static JsonObject RecordSet(string id, string description, string file, string key,
        (string Column, string Type, string Description)[] fields, (string Column, string Target)? reference)
    {
        return new JsonObject
        {
            ["@type"] = "cr:RecordSet",
            ["@id"] = id,
            ["name"] = id,
            ["description"] = description,
            ["key"] = new JsonObject { ["@id"] = $"{id}/{key}" },
            ["field"] = new JsonArray([.. fields.Select(f =>
            {
                var o = new JsonObject
                {
                    ["@type"] = "cr:Field",
                    ["@id"] = $"{id}/{f.Column}",
                    ["name"] = f.Column,
                    ["description"] = f.Description,
                    ["dataType"] = f.Type,
                    ["source"] = new JsonObject { ["fileObject"] = new JsonObject { ["@id"] = file }, ["extract"] = new JsonObject { ["column"] = f.Column } },
                };
                if (reference is { } rf && rf.Column == f.Column) o["references"] = new JsonObject { ["@id"] = rf.Target };
                return (JsonNode)o;
            })]),
        };
    }
}
