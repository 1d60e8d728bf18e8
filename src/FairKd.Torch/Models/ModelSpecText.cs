using System.Globalization;
using FairKd.Core;

namespace FairKd.Torch.Models;

/// <summary>
/// The one text form of a <see cref="ModelSpec"/> used on every command line and in pipeline files:
/// <c>NAME[:key=value,...]</c> with keys <c>width</c> (width multiplier, default 1), <c>input</c> (input side, 112),
/// <c>emb</c> (embedding size, 512) and <c>dropout</c> (0). Examples: <c>iresnet100</c>, <c>iresnet18:width=0.0625</c>,
/// <c>mobilefacenet:width=0.25,input=56</c>. <see cref="Format"/> writes the canonical form (defaults omitted).
/// </summary>
public static class ModelSpecText
{
    /// <summary>Parses <paramref name="text"/>; a malformed text, unknown model or key throws <see cref="UsageException"/>
    /// naming <paramref name="option"/>.</summary>
    public static ModelSpec Parse(string text, string option = "--model")
    {
        if (string.IsNullOrWhiteSpace(text)) throw new UsageException($"{option}: give a model, e.g. iresnet34 or iresnet18:width=0.0625");
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant();
        if (!ModelRegistry.Contains(name))
            throw new UsageException($"{option} {text}: unknown model '{name}'; known models: {string.Join(", ", ModelRegistry.Names)}");
        var spec = new ModelSpec(name);
        if (colon >= 0)
        {
            foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new UsageException($"{option} {text}: '{part}' is not key=value (keys: width, input, emb, dropout)");
                var key = part[..eq].Trim().ToLowerInvariant();
                var value = part[(eq + 1)..].Trim();
                spec = key switch
                {
                    "width" => spec with { WidthMultiplier = Number(value, option, text, key) },
                    "input" => spec with { InputSize = Integer(value, option, text, key) },
                    "emb" => spec with { EmbeddingSize = Integer(value, option, text, key) },
                    "dropout" => spec with { Dropout = Number(value, option, text, key) },
                    _ => throw new UsageException($"{option} {text}: unknown key '{key}' (keys: width, input, emb, dropout)"),
                };
            }
        }

        try
        {
            spec.Validate();
        }
        catch (UsageException e)
        {
            throw new UsageException($"{option} {text}: {e.Message}");
        }

        return spec;
    }

    /// <summary>The canonical text: name, then only the keys that differ from the defaults, in a fixed order.</summary>
    public static string Format(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = new List<string>();
        var d = new ModelSpec(spec.Name);
        if (spec.WidthMultiplier != d.WidthMultiplier) parts.Add("width=" + spec.WidthMultiplier.ToString("R", CultureInfo.InvariantCulture));
        if (spec.InputSize != d.InputSize) parts.Add("input=" + spec.InputSize.ToString(CultureInfo.InvariantCulture));
        if (spec.EmbeddingSize != d.EmbeddingSize) parts.Add("emb=" + spec.EmbeddingSize.ToString(CultureInfo.InvariantCulture));
        if (spec.Dropout != d.Dropout) parts.Add("dropout=" + spec.Dropout.ToString("R", CultureInfo.InvariantCulture));
        return parts.Count == 0 ? spec.Name.ToLowerInvariant() : $"{spec.Name.ToLowerInvariant()}:{string.Join(',', parts)}";
    }

    private static double Number(string value, string option, string text, string key) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new UsageException($"{option} {text}: {key}={value} is not a number");

    private static int Integer(string value, string option, string text, string key) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new UsageException($"{option} {text}: {key}={value} is not an integer");
}
