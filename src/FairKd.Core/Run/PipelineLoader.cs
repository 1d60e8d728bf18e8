using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FairKd.Core.Run;

/// <summary>Reads a pipeline file: JSON with comments and trailing commas, <c>${var}</c> substitution, schema check.</summary>
public static partial class PipelineLoader
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")]
    private static partial Regex VarPattern();

    /// <summary>Loads <paramref name="path"/>; <paramref name="overrides"/> replace variables of the file.
    /// Any problem throws <see cref="UsageException"/> naming the file and what to fix.</summary>
    public static PipelineDocument Load(string path, IReadOnlyDictionary<string, string>? overrides = null)
    {
        if (!File.Exists(path)) throw new UsageException($"pipeline file not found: {path}");
        return Parse(File.ReadAllText(path), path, overrides);
    }

    /// <summary>Parses pipeline text (<paramref name="source"/> names it in errors).</summary>
    public static PipelineDocument Parse(string json, string source, IReadOnlyDictionary<string, string>? overrides = null)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new UsageException($"{source}: not valid JSON ({e.Message})");
        }

        if (root is not JsonObject obj) throw new UsageException($"{source}: the top level must be a JSON object");
        var vars = ResolveVars(obj["vars"] as JsonObject, overrides ?? new Dictionary<string, string>(), source);
        obj["vars"] = new JsonObject(vars.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        Substitute(obj, vars, source, "$");

        PipelineDocument doc;
        try
        {
            doc = obj.Deserialize<PipelineDocument>(Options) ?? throw new UsageException($"{source}: empty pipeline");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{source}: {e.Message}");
        }

        if (doc.SchemaVersion != 1) throw new UsageException($"{source}: schemaVersion {doc.SchemaVersion} is not supported (use 1)");
        if (string.IsNullOrWhiteSpace(doc.Out)) throw new UsageException($"{source}: \"out\" (the output folder) is required");
        return doc;
    }

    private static Dictionary<string, string> ResolveVars(JsonObject? declared, IReadOnlyDictionary<string, string> overrides, string source)
    {
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in declared ?? [])
            raw[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : throw new UsageException($"{source}: vars.{k} must be a string");
        foreach (var (k, v) in overrides)
        {
            if (!raw.ContainsKey(k)) throw new UsageException($"--var {k}={v}: the pipeline has no variable '{k}' (it has: {string.Join(", ", raw.Keys)})");
            raw[k] = v;
        }

        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var k in raw.Keys) Resolve(k, raw, resolved, [], source);
        return resolved;
    }

    private static string Resolve(string name, Dictionary<string, string> raw, Dictionary<string, string> done, HashSet<string> active, string source)
    {
        if (done.TryGetValue(name, out var v)) return v;
        if (!raw.TryGetValue(name, out var text)) throw new UsageException($"{source}: unknown variable ${{{name}}}");
        if (!active.Add(name)) throw new UsageException($"{source}: variable '{name}' refers to itself");
        var value = VarPattern().Replace(text, m => Resolve(m.Groups[1].Value, raw, done, active, source));
        active.Remove(name);
        done[name] = value;
        return value;
    }

    private static void Substitute(JsonNode node, Dictionary<string, string> vars, string source, string where)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                {
                    if (where == "$" && key == "vars") continue;
                    if (o[key] is { } child)
                    {
                        if (child is JsonValue cv && cv.TryGetValue<string>(out var s)) o[key] = Replace(s, vars, source, $"{where}.{key}");
                        else Substitute(child, vars, source, $"{where}.{key}");
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue av && av.TryGetValue<string>(out var s)) a[i] = Replace(s, vars, source, $"{where}[{i}]");
                    else if (a[i] is { } child) Substitute(child, vars, source, $"{where}[{i}]");
                }

                break;
        }
    }

    private static string Replace(string s, Dictionary<string, string> vars, string source, string where) =>
        VarPattern().Replace(s, m => vars.TryGetValue(m.Groups[1].Value, out var v)
            ? v
            : throw new UsageException($"{source}: {where} uses ${{{m.Groups[1].Value}}}, which is not in \"vars\""));
}
