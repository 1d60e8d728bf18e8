using System.Text.Json.Nodes;

namespace FairKd.Tests.Shared;

/// <summary>
/// Compares FairKd's JSON records across reruns: the <c>provenance</c> block (one, or a list of sessions) keeps its inputs and
/// counts, but a rerun has its own <c>host</c> (threads given), <c>startedUtc</c>, <c>wallSeconds</c> and <c>throughput</c>.
/// These are removed here and nothing else, so everything else must still be byte-identical.
/// </summary>
internal static class RunFields
{
    private static readonly string[] Removed = ["host", "startedUtc", "wallSeconds", "throughput"];

    /// <summary>The JSON file's text with each provenance record's run fields removed (every other byte as written).</summary>
    public static string Without(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var provenance = root["provenance"] ?? throw new InvalidOperationException($"{path} has no provenance");
        foreach (var record in provenance is JsonArray list ? list.Select(n => n!.AsObject()) : [provenance.AsObject()])
            foreach (var field in Removed)
                if (!record.Remove(field)) throw new InvalidOperationException($"{path}: provenance has no {field}");
        return root.ToJsonString();
    }

    /// <summary>True for the files whose provenance differs between reruns: eval.json, _cache.json, model.json, card.json.</summary>
    public static bool HasProvenance(string path) => Path.GetFileName(path) is "eval.json" or "_cache.json" or "model.json" or "card.json";
}
