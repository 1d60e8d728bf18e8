using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FairKd.Core.Records;

namespace FairKd.Data.Manifest;

/// <summary>Identities and images of one slice of the kept set, with their shares of the kept totals (6 decimals).</summary>
public sealed record CountRow(string Name, string? Kind, long Identities, long Images, double IdentityShare, double ImageShare);

/// <summary>Share of real data in the kept set (6 decimals).</summary>
public sealed record RealShare(double Identities, double Images);

/// <summary>The numbers of a card: everything `manifest stats` recomputes from the CSV files.</summary>
public sealed record CardNumbers(
    long KeptIdentities,
    long KeptImages,
    long RemovedIdentities,
    long RemovedImages,
    IReadOnlyList<CountRow> Groups,
    IReadOnlyList<CountRow> Sources,
    RealShare? RealFraction)
{
    /// <summary>Group rows are the four groups in <see cref="EthnicGroups.Order"/>, plus "none" when some identity has no group.</summary>
    public const string NoGroup = "none";

    /// <summary>Computes the numbers from identity rows; <paramref name="sourceKinds"/> maps dataset to real|synthetic|unknown.</summary>
    public static CardNumbers Compute(IReadOnlyList<ReleaseIdentity> identities, IReadOnlyDictionary<string, string> sourceKinds)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(sourceKinds);
        var kept = identities.Where(x => x.Kept).ToList();
        long ids = kept.Count, images = kept.Sum(x => (long)x.Images);
        CountRow Row(string name, string? kind, IEnumerable<ReleaseIdentity> rows)
        {
            var list = rows.ToList();
            var im = list.Sum(x => (long)x.Images);
            return new CountRow(name, kind, list.Count, im, Share(list.Count, ids), Share(im, images));
        }

        var groups = EthnicGroups.Order.Select(g => Row(g, null, kept.Where(x => x.Group == g))).ToList();
        if (kept.Any(x => x.Group is null)) groups.Add(Row(NoGroup, null, kept.Where(x => x.Group is null)));
        var sources = sourceKinds.Keys.Order(StringComparer.Ordinal)
            .Select(d => Row(d, sourceKinds[d], kept.Where(x => x.Dataset == d))).ToList();
        RealShare? real = null;
        if (sourceKinds.Values.All(k => k is "real" or "synthetic"))
        {
            var r = sources.Where(s => s.Kind == "real").ToList();
            real = new RealShare(Share(r.Sum(s => s.Identities), ids), Share(r.Sum(s => s.Images), images));
        }

        var removed = identities.Where(x => !x.Kept).ToList();
        return new CardNumbers(ids, images, removed.Count, removed.Sum(x => (long)x.Images), groups, sources, real);
    }

    private static double Share(long part, long whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 6, MidpointRounding.AwayFromZero);

    /// <summary>Canonical JSON of the numbers (for comparisons).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DataCard.JsonOptions);
}

/// <summary>SHA-256 (lower-case hex) of the release's CSV files.</summary>
public sealed record ReleaseHashes(string SamplesCsv, string IdentitiesCsv);

/// <summary>
/// The data card of a release (<c>card.json</c>; <c>card.md</c> is its rendering). Holds no time stamps or paths, so
/// the same inputs give byte-identical cards.
/// </summary>
public sealed record DataCard
{
    /// <summary>Version of this card/release layout: 2 adds sources, ethnicity labels, uses, audit and croissant.json.</summary>
    public const string CurrentSchema = "fairkd.manifest/2";

    /// <summary>The first layout (no sources, ethnicity, uses or audit); still read.</summary>
    public const string Schema1 = "fairkd.manifest/1";

    /// <summary>The card's layout: <see cref="CurrentSchema"/> when written, <see cref="Schema1"/> for old cards still read.</summary>
    public string Schema { get; init; } = CurrentSchema;

    /// <summary>The release's name (the recipe's <c>name</c>).</summary>
    public required string Name { get; init; }

    /// <summary>real | synthetic | mix | import.</summary>
    public required string Kind { get; init; }

    /// <summary>The recipe's free-text description of the release (empty when it has none).</summary>
    public string Description { get; init; } = "";

    /// <summary>Protocol name, or "none" for imports.</summary>
    public required string Protocol { get; init; }

    /// <summary>Human-readable target ("keep 27099 identities"), or "keep all".</summary>
    public required string Target { get; init; }

    /// <summary>Mix: "quota" or "study"; null otherwise.</summary>
    public string? MixMode { get; init; }

    /// <summary>Mix quota mode: requested real fraction and its unit.</summary>
    public double? RequestedRealFraction { get; init; }

    /// <summary>Mix quota mode: what <see cref="RequestedRealFraction"/> counts, "identities" or "images"; null otherwise.</summary>
    public string? FractionBy { get; init; }

    /// <summary>Always "none": sampling is deterministic (ties break on (score, identity key)).</summary>
    public string Seed { get; init; } = "none";

    /// <summary>The FairKd version that wrote the release.</summary>
    public required string FairKdVersion { get; init; }

    /// <summary>Fingerprints of the inputs (sorted).</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Datasets present in the inputs but not named by the recipe (not used).</summary>
    public IReadOnlyList<string> IgnoredDatasets { get; init; } = [];

    /// <summary>What a user of the release should know (e.g. a group short of its quota); empty when nothing.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Identity and image counts of the release, per dataset and group.</summary>
    public required CardNumbers Numbers { get; init; }

    /// <summary>SHA-256 of samples.csv and identities.csv (what `manifest verify` and `manifest stats` check).</summary>
    public required ReleaseHashes Files { get; init; }

    /// <summary>The recipe as given (with defaults filled in), or null for imports.</summary>
    public JsonElement? Recipe { get; init; }

    /// <summary>Release version (recipe <c>version</c>); null in schema 1 cards and imports.</summary>
    public string? Version { get; init; }

    /// <summary>ISO date the release was published (recipe <c>datePublished</c>).</summary>
    public string? DatePublished { get; init; }

    /// <summary>Creator of the release (recipe <c>creator</c>).</summary>
    public string? Creator { get; init; }

    /// <summary>Licence, access terms, citation and generator of every dataset (from the recipe).</summary>
    public IReadOnlyList<SourceCard>? Sources { get; init; }

    /// <summary>Where the soft labels come from, how often their argmax differs from the folder group, and the classifier's held-out accuracy.</summary>
    public EthnicityCard? Ethnicity { get; init; }

    /// <summary>Intended use.</summary>
    public string? IntendedUse { get; init; }

    /// <summary>Out-of-scope uses.</summary>
    public IReadOnlyList<string>? OutOfScope { get; init; }

    /// <summary>Summary of <c>fairkd manifest audit</c> (identity overlap with evaluation sets, duplicates), or null when not audited.</summary>
    public AuditCard? Audit { get; init; }

    /// <summary>The build run that wrote the release (<c>manifest build</c>): recipe and cache indexes with SHA-256, counts
    /// (samples read, in the recipe's datasets, kept; identities), FairKd version and commit, host, wall time and samples/s.
    /// Absent from imports, from cards written before it existed and from builds given no recorder (library use);
    /// <c>manifest card</c> keeps it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RunProvenance? Provenance { get; init; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // readable: '+', '%', non-ASCII kept as is
    };

    /// <summary>card.json's text: indented JSON, '\n' line ends, a final newline (same card, same bytes).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions).ReplaceLineEndings("\n") + "\n";

    /// <summary>Reads card.json; <paramref name="origin"/> names the file in the <see cref="Core.UsageException"/> an invalid or
    /// unknown-schema card throws.</summary>
    public static DataCard FromJson(string json, string origin)
    {
        try
        {
            var card = JsonSerializer.Deserialize<DataCard>(json, JsonOptions) ?? throw new Core.UsageException($"{origin}: empty card");
            if (card.Schema != CurrentSchema && card.Schema != Schema1)
                throw new Core.UsageException($"{origin}: card schema '{card.Schema}' is not supported (expected {CurrentSchema} or {Schema1})");
            return card;
        }
        catch (JsonException e)
        {
            throw new Core.UsageException($"{origin}: invalid card.json: {e.Message}");
        }
    }

    /// <summary>Dataset name -> real|synthetic|unknown, from the card's source rows.</summary>
    public IReadOnlyDictionary<string, string> SourceKinds() =>
        Numbers.Sources.ToDictionary(s => s.Name, s => s.Kind ?? "unknown", StringComparer.Ordinal);

    /// <summary>The Markdown rendering (card.md).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        L($"# Data card: {Name}");
        L();
        if (Description.Length > 0) { L(Description); L(); }
        L($"- kind: {Kind}");
        L($"- protocol: {Protocol}");
        L($"- target: {Target}");
        if (MixMode is not null) L($"- mix mode: {MixMode}");
        if (RequestedRealFraction is { } f) L($"- requested real fraction: {Fmt(f)} by {FractionBy}");
        if (Version is not null) L($"- release version: {Version}, published {DatePublished}, by {Creator}");
        L($"- seed: {Seed}");
        L($"- FairKd version: {FairKdVersion}");
        L($"- schema: {Schema}");
        L($"- kept: {Numbers.KeptIdentities} identities, {Numbers.KeptImages} images; removed: {Numbers.RemovedIdentities} identities, {Numbers.RemovedImages} images");
        if (Numbers.RealFraction is { } rf) L($"- real fraction of the kept set: {Fmt(rf.Identities)} of identities, {Fmt(rf.Images)} of images");
        L();
        Table("Per group", Numbers.Groups);
        Table("Per source", Numbers.Sources);
        DataCardMarkdown.Sections(this, L);
        L("## Inputs");
        L();
        foreach (var i in Inputs) L($"- {i}");
        if (Provenance is { } p)
        {
            foreach (var i in p.Inputs) L($"- {i.Role}: {i.Path}{(i.Sha256 is null ? "" : $" (sha256 {i.Sha256})")}");
            L($"- built by FairKd {p.Version}{(p.Commit is null ? "" : $" (commit {p.Commit})")} on {p.Host.CpuModel}, {p.Host.LogicalCores} cores, " +
              $"{p.StartedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, {Fmt(p.WallSeconds)} s: " +
              string.Join(", ", p.Counts.Select(kv => $"{kv.Key} {kv.Value}")));
        }

        if (Inputs.Count == 0) L("- (none recorded)");
        if (IgnoredDatasets.Count > 0) L($"- ignored datasets (not in the recipe): {string.Join(", ", IgnoredDatasets)}");
        L();
        if (Warnings.Count > 0)
        {
            L("## Warnings");
            L();
            foreach (var w in Warnings) L($"- {w}");
            L();
        }

        L("## Files");
        L();
        L($"- {ReleaseFiles.Samples}: sha256 {Files.SamplesCsv}");
        L($"- {ReleaseFiles.Identities}: sha256 {Files.IdentitiesCsv}");
        if (Schema != Schema1) L($"- {ReleaseFiles.Croissant}: Croissant 1.0 metadata of this release (written with the card)");
        return sb.ToString();

        void Table(string title, IReadOnlyList<CountRow> rows)
        {
            L($"## {title}");
            L();
            L("| name | kind | identities | images | identity share | image share |");
            L("| --- | --- | ---: | ---: | ---: | ---: |");
            foreach (var r in rows) L($"| {r.Name} | {r.Kind ?? ""} | {r.Identities} | {r.Images} | {Fmt(r.IdentityShare)} | {Fmt(r.ImageShare)} |");
            L();
        }
    }

    internal static string Fmt(double v) => v.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}
