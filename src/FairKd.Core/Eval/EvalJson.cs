using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FairKd.Core.Eval;

/// <summary>Reads and writes eval.json (System.Text.Json, camelCase, enums kebab-case, written to a temp file then renamed).</summary>
public static class EvalJson
{
    /// <summary>The serializer options used for eval.json.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.Strict,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Serialises <paramref name="result"/>.</summary>
    public static string Serialize(EvalResult result) => JsonSerializer.Serialize(result, Options);

    /// <summary>Writes <paramref name="result"/> to <paramref name="path"/> atomically (temp file in the same folder, then rename).</summary>
    public static void Write(string path, EvalResult result) => IO.AtomicFile.WriteAllText(path, Serialize(result) + "\n");

    /// <summary>
    /// Reads an eval.json of schema 1 or 2; malformed content or another schema version throws
    /// <see cref="InvalidDataException"/> naming the file. A schema-1 file is converted to the current shape
    /// (<c>protocol.fmrTargetFar</c> becomes <c>fmrTargets</c>, <c>rfw.fmr</c> the one operating point) and keeps
    /// <see cref="EvalResult.SchemaVersion"/> 1; the fields schema 1 lacks (identities, intervals) stay null.
    /// </summary>
    public static EvalResult Read(string path)
    {
        var text = File.ReadAllText(path);
        EvalResult? result;
        try
        {
            var root = JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object (not an eval.json?)");
            if (root["schemaVersion"] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                throw new InvalidDataException($"{path}: no schemaVersion (not an eval.json?)");
            var version = v.GetValue<int>();
            if (version == 1) MigrateFromSchema1(root);
            else if (version != EvalResult.CurrentSchemaVersion)
                throw new InvalidDataException($"{path}: schemaVersion {version} is not a supported one (1 or {EvalResult.CurrentSchemaVersion})");
            result = root.Deserialize<EvalResult>(Options);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: malformed eval.json ({ex.Message})", ex);
        }

        return result ?? throw new InvalidDataException($"{path}: empty eval.json");
    }

    /// <summary>Schema 1 -> 2 in place: fmrTargetFar -> fmrTargets [x]; rfw.fmr -> rfw.operatingPoints [one point].</summary>
    private static void MigrateFromSchema1(JsonObject root)
    {
        if (root["protocol"] is not JsonObject protocol || protocol["fmrTargetFar"] is not JsonValue target)
            throw new JsonException("schema 1 file without protocol.fmrTargetFar");
        var far = target.GetValue<double>();
        protocol.Remove("fmrTargetFar");
        protocol["fmrTargets"] = new JsonArray(far);
        if (root["rfw"] is not JsonObject rfw) return;
        var fmr = rfw["fmr"];
        rfw.Remove("fmr");
        var impostors = (root["sets"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(s => s["kind"]?.GetValue<string>() == "rfw-group")
            .Sum(s => s["impostorPairs"]?.GetValue<int>() ?? 0);
        rfw["operatingPoints"] = new JsonArray(new JsonObject
        {
            ["targetFmr"] = far,
            ["impostorPairs"] = impostors,
            ["result"] = fmr?.DeepClone(),
            ["nullReason"] = fmr is null ? "not computed (a schema-1 eval.json records no reason: too few impostor pairs, or a group without both classes)" : null,
        });
    }
}
