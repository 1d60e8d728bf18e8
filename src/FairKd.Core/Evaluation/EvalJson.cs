using System.Text.Json;
using System.Text.Json.Serialization;

namespace FairKd.Core.Evaluation;

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
    public static void Write(string path, EvalResult result)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllText(temp, Serialize(result) + "\n");
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Reads an eval.json; malformed content or another schema version throws <see cref="InvalidDataException"/> naming the file.</summary>
    public static EvalResult Read(string path)
    {
        var text = File.ReadAllText(path);
        EvalResult? result;
        try
        {
            using (var doc = JsonDocument.Parse(text))
            {
                if (!doc.RootElement.TryGetProperty("schemaVersion", out var v) || v.ValueKind != JsonValueKind.Number)
                    throw new InvalidDataException($"{path}: no schemaVersion (not an eval.json?)");
                if (v.GetInt32() != EvalResult.CurrentSchemaVersion)
                    throw new InvalidDataException($"{path}: schemaVersion {v.GetInt32()} is not the supported {EvalResult.CurrentSchemaVersion}");
            }

            result = JsonSerializer.Deserialize<EvalResult>(text, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: malformed eval.json ({ex.Message})", ex);
        }

        return result ?? throw new InvalidDataException($"{path}: empty eval.json");
    }
}
