using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FairKd.Data.Demo;

/// <summary>File count and SHA-256 of one subset's sorted listing of <c>relative/path&lt;TAB&gt;sha256</c> lines.</summary>
public sealed record SubsetDigest(int Files, string Sha256);

/// <summary>
/// <c>demo-data.json</c> at the output root: format, FairKd version, the options that determine the output (all
/// counts and the seed), whether generation completed, and a <see cref="SubsetDigest"/> per subset, so that a rerun
/// can tell a complete tree from a partial or foreign one.
/// </summary>
internal sealed record DemoManifest(string Format, string FairKdVersion, bool Complete, JsonObject Options,
    IReadOnlyDictionary<string, SubsetDigest> Subsets)
{
    public const string FileName = "demo-data.json";
    public const string CurrentFormat = "fairkd-demo-data/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Version => typeof(DemoManifest).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The options that determine the output, as JSON (everything except the worker count).</summary>
    public static JsonObject OptionsJson(DemoDataOptions options)
    {
        var node = JsonSerializer.SerializeToNode(options, Json)!.AsObject();
        node.Remove("workers");
        return node;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Reads a manifest, or null when the file is missing or is not a demo-data manifest.</summary>
    public static DemoManifest? TryRead(string root)
    {
        var path = Path.Combine(root, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var m = JsonSerializer.Deserialize<DemoManifest>(File.ReadAllText(path), Json);
            return m is { Format: CurrentFormat, Options: not null, Subsets: not null } ? m : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool SameOptions(DemoDataOptions options) => JsonNode.DeepEquals(Options, OptionsJson(options));

    /// <summary>The digest of a listing (relative path within the subset -> file SHA-256).</summary>
    public static SubsetDigest Digest(IEnumerable<KeyValuePair<string, string>> files)
    {
        var sorted = files.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        foreach (var (path, sha) in sorted) sb.Append(path).Append('\t').Append(sha).Append('\n');
        return new SubsetDigest(sorted.Count, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))));
    }

    /// <summary>Hashes what is on disk under <c>root/subset</c> now (every file, temporary ones included).</summary>
    public static SubsetDigest DigestOnDisk(string root, string subset)
    {
        var dir = Path.Combine(root, subset);
        if (!Directory.Exists(dir)) return new SubsetDigest(0, "");
        var files = new List<KeyValuePair<string, string>>();
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(file);
            var rel = Path.GetRelativePath(dir, file).Replace('\\', '/');
            files.Add(new(rel, Convert.ToHexStringLower(SHA256.HashData(stream))));
        }

        return Digest(files);
    }
}
