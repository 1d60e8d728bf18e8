using System.Text.Json;
using System.Text.Json.Serialization;

namespace FairKd.Core.Sampling;

/// <summary>Recipe (de)serialisation: camelCase, enums as camelCase strings, comments and trailing commas allowed, unknown fields refused.</summary>
public static class RecipeJson
{
    /// <summary>The options both <see cref="Parse"/> and recipe writers use (the rules in the type summary; indented, nulls omitted).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Parses and validates a recipe; <paramref name="origin"/> (a file name) prefixes error messages.</summary>
    public static Recipe Parse(string json, string origin)
    {
        Recipe? r;
        try
        {
            r = JsonSerializer.Deserialize<Recipe>(json, Options);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{origin}: invalid recipe JSON: {e.Message}");
        }

        if (r is null) throw new UsageException($"{origin}: the recipe is empty (null)");
        try
        {
            r.Validate();
        }
        catch (UsageException e)
        {
            throw new UsageException($"{origin}: {e.Message}");
        }

        return r;
    }

    /// <summary>The recipe as indented JSON with '\n' line endings (for the card).</summary>
    public static string Serialize(Recipe recipe) => JsonSerializer.Serialize(recipe, Options).ReplaceLineEndings("\n");
}
