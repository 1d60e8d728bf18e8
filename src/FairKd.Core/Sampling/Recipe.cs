using System.Text.Json.Serialization;

namespace FairKd.Core.Sampling;

/// <summary>What a recipe builds.</summary>
public enum RecipeKind
{
    /// <summary>One real dataset (BUPT-BalancedFace in the study), all or a target number of identities, balanced per group.</summary>
    Real,

    /// <summary>Several synthetic datasets merged and sampled to a target; groups from the soft labels.</summary>
    Synthetic,

    /// <summary>Real + synthetic concatenated and sampled to a target, with a real-fraction quota or in study mode.</summary>
    Mix,
}

/// <summary>How a Mix recipe treats the real/synthetic split.</summary>
public enum MixMode
{
    /// <summary>Enforce <see cref="Recipe.RealFraction"/> while balancing (see <see cref="IdentitySampler"/>, Mix quota).</summary>
    Quota,

    /// <summary>The study's way: run the plain protocol on the concatenation and only report the resulting fraction.</summary>
    Study,
}

/// <summary>
/// Exactly one of the three: remove a number of identities, keep a number of identities, or keep at most a number of images.
/// Omit the whole target to keep everything.
/// </summary>
public sealed record RecipeTarget
{
    /// <summary>Number of identities to remove from the pool (JSON <c>removeIdentities</c>); null = not this kind.</summary>
    public int? RemoveIdentities { get; init; }

    /// <summary>Number of identities to keep (JSON <c>keepIdentities</c>); null = not this kind.</summary>
    public int? KeepIdentities { get; init; }

    /// <summary>Upper bound on the kept images (JSON <c>keepImages</c>); null = not this kind.</summary>
    public long? KeepImages { get; init; }

    /// <summary>The sampler target; UsageException unless exactly one field is set.</summary>
    public SamplingTarget ToTarget()
    {
        var set = (RemoveIdentities is null ? 0 : 1) + (KeepIdentities is null ? 0 : 1) + (KeepImages is null ? 0 : 1);
        if (set != 1)
            throw new UsageException("recipe target: set exactly one of removeIdentities, keepIdentities, keepImages (or omit target to keep all)");
        if (RemoveIdentities is { } r) return SamplingTarget.Remove(r);
        if (KeepIdentities is { } k) return SamplingTarget.Keep(k);
        return SamplingTarget.KeepImages(KeepImages!.Value);
    }
}

/// <summary>
/// A manifest recipe, read from JSON (camelCase names, enums as lower-case strings, unknown fields are errors).
/// Sampling is deterministic: there is no seed.
/// </summary>
public sealed record Recipe
{
    /// <summary>Release name (shown in the card).</summary>
    public required string Name { get; init; }

    /// <summary>real | synthetic | mix.</summary>
    public required RecipeKind Kind { get; init; }

    /// <summary>Free text for the card. Default: empty.</summary>
    public string Description { get; init; } = "";

    /// <summary>Real dataset names (as in the cache's dataset column). Real: exactly one; Mix: at least one; Synthetic: none.</summary>
    public IReadOnlyList<string> Real { get; init; } = [];

    /// <summary>Synthetic dataset names. Synthetic and Mix: at least one; Real: none.</summary>
    public IReadOnlyList<string> Synthetic { get; init; } = [];

    /// <summary>Protocol name (<see cref="SamplingProtocols.Names"/>). Default: protocol_e for Real (folder groups),
    /// multiple_forces for Synthetic and Mix (the study's synthetic loader logs force=True).</summary>
    public string? Protocol { get; init; }

    /// <summary>When to stop removing. Default (null): keep all identities (still scored and assigned a group).</summary>
    public RecipeTarget? Target { get; init; }

    /// <summary>Mix quota mode only: wanted real share of the kept set, in [0, 1] (0.7 in the study). Required there.</summary>
    public double? RealFraction { get; init; }

    /// <summary>Mix quota mode: what the fraction counts. Default: images (needs a keepImages target); identities needs an identity target.</summary>
    public QuotaUnit FractionBy { get; init; } = QuotaUnit.Images;

    /// <summary>Mix only: quota (default) or study.</summary>
    public MixMode Mode { get; init; } = MixMode.Quota;

    /// <summary>Largest allowed |sum of an image's 4 soft labels - 1|; larger is an error. Sums off by more than
    /// 0.001 but within the tolerance are counted as a warning in the card. Default: 0.01.</summary>
    public double SoftLabelTolerance { get; init; } = 0.01;

    /// <summary>Per dataset: licence, access terms, citation and (synthetic) generator, for the card and croissant.json.
    /// Required by <c>fairkd manifest build</c> for every dataset the recipe names (<see cref="RecipeReleaseFields"/>). Default: none.</summary>
    public IReadOnlyDictionary<string, RecipeSource> Sources { get; init; } = new Dictionary<string, RecipeSource>(StringComparer.Ordinal);

    /// <summary>Where the ethnicity soft labels come from (classifier and what it was trained on, predictions file, or
    /// folder groups). Required by the build.</summary>
    public string? EthnicityLabels { get; init; }

    /// <summary>Release version (MAJOR.MINOR.PATCH as Croissant recommends). Default: 1.0.0.</summary>
    public string Version { get; init; } = "1.0.0";

    /// <summary>ISO date (yyyy-MM-dd) the release was published; recorded instead of a build time so rebuilds are
    /// byte-identical. Required by the build (Croissant requires datePublished).</summary>
    public string? DatePublished { get; init; }

    /// <summary>Creator of the release (Croissant creator). Default: FairKd.</summary>
    public string Creator { get; init; } = "FairKd";

    /// <summary>Web page of the release. Default: none (croissant.json then uses the release folder, <c>data-manifests/NAME/</c>).</summary>
    public string? Url { get; init; }

    /// <summary>Citation of the release itself (e.g. the study that defined it). Default: none (croissant.json cites the sources).</summary>
    public string? Citation { get; init; }

    /// <summary>Intended use for the card. Default: <see cref="RecipeReleaseFields.DefaultIntendedUse"/>.</summary>
    public string? IntendedUse { get; init; }

    /// <summary>Out-of-scope uses for the card. Default: <see cref="RecipeReleaseFields.DefaultOutOfScope"/>.</summary>
    public IReadOnlyList<string>? OutOfScope { get; init; }

    /// <summary>The protocol, resolved with the kind's default.</summary>
    [JsonIgnore]
    public SamplingProtocol ResolvedProtocol =>
        Protocol is { } p ? SamplingProtocols.Parse(p) : Kind == RecipeKind.Real ? SamplingProtocol.ProtocolE : SamplingProtocol.MultipleForces;

    /// <summary>The Mix quota, or null (Real, Synthetic, Mix in study mode).</summary>
    [JsonIgnore]
    public RealQuota? Quota => Kind == RecipeKind.Mix && Mode == MixMode.Quota ? new RealQuota(RealFraction ?? double.NaN, FractionBy) : null;

    /// <summary>All datasets the recipe names, real first.</summary>
    [JsonIgnore]
    public IEnumerable<string> Datasets => Real.Concat(Synthetic);

    /// <summary>Checks the recipe's own consistency (not the data); UsageException says what to fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new UsageException("recipe: name is empty");
        _ = ResolvedProtocol;
        _ = Target?.ToTarget();
        switch (Kind)
        {
            case RecipeKind.Real when Real.Count != 1 || Synthetic.Count != 0:
                throw new UsageException("recipe kind real: list exactly one dataset in 'real' and none in 'synthetic'");
            case RecipeKind.Synthetic when Synthetic.Count == 0 || Real.Count != 0:
                throw new UsageException("recipe kind synthetic: list at least one dataset in 'synthetic' and none in 'real'");
            case RecipeKind.Mix when Synthetic.Count == 0 || Real.Count == 0:
                throw new UsageException("recipe kind mix: list at least one dataset in 'real' and one in 'synthetic'");
        }

        var dup = Datasets.GroupBy(d => d, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new UsageException($"recipe: dataset '{dup.Key}' is listed twice");
        if (Kind == RecipeKind.Mix && Mode == MixMode.Quota && RealFraction is null)
            throw new UsageException("recipe kind mix, mode quota: set realFraction (e.g. 0.7), or use mode \"study\"");
        if ((Kind != RecipeKind.Mix || Mode == MixMode.Study) && RealFraction is not null)
            throw new UsageException("recipe: realFraction applies only to kind mix with mode quota (study mode only reports the fraction)");
        if (Quota is not null && Target is null)
            throw new UsageException("recipe kind mix, mode quota: a target is needed for the real fraction to mean something");
        if (!(SoftLabelTolerance is > 0 and < 1)) throw new UsageException("recipe: softLabelTolerance must be in (0, 1)");
    }
}
