using System.Text.Json;
using System.Text.Json.Nodes;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;
using FairKd.Core.Sampling;
using FairKd.Data.Manifest.Audit;

namespace FairKd.Data.Manifest;

/// <summary>What <see cref="ReleaseCard.Rewrite"/> may measure anew; null keeps what the card already says.</summary>
/// <param name="Labels">Labelled samples of the caches the release was built from, with their fingerprints (must equal the card's inputs).</param>
/// <param name="HeldOut">The classifier's accuracy on a labelled held-out cache.</param>
/// <param name="AuditJson">Path of an audit.json of this release (<c>fairkd manifest audit</c>).</param>
public sealed record ReleaseCardInputs(
    (IReadOnlyList<string> Fingerprints, IEnumerable<LabeledSample> Samples)? Labels = null,
    ClassifierAccuracy? HeldOut = null,
    string? AuditJson = null);

/// <summary>
/// The data card's release fields (sources, ethnicity labels, uses, audit), shared by <c>manifest build</c> and
/// <c>manifest card</c>, which rewrites card.json, card.md and croissant.json of an existing release without touching
/// its sample lists (their SHA-256 must match the card).
/// </summary>
public static class ReleaseCard
{
    /// <summary>Why the folder agreement is unknown when no kept image has a folder group.</summary>
    public const string NoFolderGroups = "no kept image has a folder group (its sources have no group folders), so there is nothing to compare the argmax with";

    /// <summary>Why the classifier accuracy is unknown when no held-out cache was given.</summary>
    public const string NoHeldOut = "no labelled held-out cache was given (--ethnicity-holdout CACHE: group-labelled images outside the training data, " +
        "labelled by the same classifier); the embedding cache does not record the classifier's accuracy";

    private static readonly string[] ReleaseProperties =
        ["sources", "ethnicityLabels", "version", "datePublished", "creator", "url", "citation", "intendedUse", "outOfScope"];

    /// <summary>The card's ethnicity section.</summary>
    public static EthnicityCard Ethnicity(Recipe recipe, FolderAgreement? agreement, string agreementUnknown, ClassifierAccuracy? heldOut)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return new EthnicityCard(recipe.EthnicityLabels ?? "", agreement, agreement is null ? agreementUnknown : null, heldOut, heldOut is null ? NoHeldOut : null);
    }

    /// <summary>The card with the recipe's release fields, <paramref name="ethnicity"/> and <paramref name="audit"/> (current schema).</summary>
    public static DataCard WithReleaseFields(this DataCard card, Recipe recipe, EthnicityCard ethnicity, AuditCard? audit)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(recipe);
        return card with
        {
            Schema = DataCard.CurrentSchema,
            Version = recipe.Version,
            DatePublished = recipe.DatePublished,
            Creator = recipe.Creator,
            Sources = SourceCard.FromRecipe(recipe),
            Ethnicity = ethnicity,
            IntendedUse = recipe.IntendedUse ?? RecipeReleaseFields.DefaultIntendedUse,
            OutOfScope = recipe.OutOfScope ?? RecipeReleaseFields.DefaultOutOfScope,
            Audit = audit,
        };
    }

    /// <summary>The classifier's per-group accuracy on a labelled held-out cache (argmax against folder group).</summary>
    /// <exception cref="UsageException">no sample of the cache has a folder group.</exception>
    public static ClassifierAccuracy HeldOutAccuracy(string fingerprint, IEnumerable<LabeledSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var list = samples.ToList();
        var unlabelled = list.Count(s => s.Ethnicity is not { Length: 4 } p || Math.Abs((double)p[0] + p[1] + p[2] + p[3] - 1) > 0.01);
        if (unlabelled > 0)
            throw new UsageException($"--ethnicity-holdout {fingerprint}: {unlabelled} images have no soft labels summing to 1 (embedded with --no-ethnicity?): embed it with the classifier");
        return ArgmaxTally.Of(list).ToAccuracy(fingerprint)
            ?? throw new UsageException($"--ethnicity-holdout {fingerprint}: no image has a folder group (embed a group/identity/image layout)");
    }

    /// <summary>
    /// Rewrites card.json, card.md and croissant.json of the release in <paramref name="dir"/> for <paramref name="recipe"/>.
    /// Refused (UsageException) when the release's CSV files do not match its card, when the recipe samples differently
    /// from the one recorded, or when the given caches are not the ones the release was built from.
    /// </summary>
    public static DataCard Rewrite(string dir, Recipe recipe, ReleaseCardInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(inputs);
        var release = ReleaseReader.Read(dir);
        var card = release.Card;
        var stats = ReleaseStats.Check(release);
        if (stats.Mismatches.Count > 0)
            throw new UsageException($"{dir}: the files do not match the card ({stats.Mismatches[0]}); rebuild the release instead");
        if (card.Recipe is not { } recorded) throw new UsageException($"{dir}: the card records no recipe (an import): nothing to describe the sources with");
        var resolved = JsonSerializer.SerializeToElement(recipe with { Protocol = recipe.ResolvedProtocol.Name() }, RecipeJson.Options);
        if (SamplingPart(recorded) != SamplingPart(resolved))
            throw new UsageException($"{dir}: recipe {recipe.Name} samples differently from the one in the card ({SamplingPart(recorded)}); rebuild the release instead");

        var agreement = card.Ethnicity?.FolderAgreement;
        var unknown = card.Ethnicity?.FolderAgreementUnknown ?? (card.Schema == DataCard.Schema1
            ? $"the release was built before the card recorded it, from {string.Join(", ", card.Inputs)}; give those caches (--cache) or rebuild the release"
            : NoFolderGroups);
        if (inputs.Labels is { } labels)
        {
            var given = labels.Fingerprints.Order(StringComparer.Ordinal).ToList();
            if (!given.SequenceEqual(card.Inputs))
                throw new UsageException($"--cache: fingerprints {string.Join(", ", given)} are not the release's inputs ({string.Join(", ", card.Inputs)}); give the caches it was built from");
            var keys = release.Samples.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            agreement = ArgmaxTally.Of(labels.Samples.Where(s => keys.Contains(s.Key))).ToFolderAgreement();
            unknown = NoFolderGroups;
        }

        var audit = card.Audit;
        if (inputs.AuditJson is { } path)
        {
            if (!File.Exists(path)) throw new UsageException($"--audit {path}: file not found");
            var report = AuditReport.FromJson(File.ReadAllText(path), path);
            if (report.Release != card.Name || report.Training.Images != card.Numbers.KeptImages)
                throw new UsageException($"--audit {path}: audits '{report.Release}' ({report.Training.Images} images), not this release ('{card.Name}', {card.Numbers.KeptImages} images)");
            audit = report.ToCard(ReleaseWriter.Sha256Of(path));
        }

        var heldOut = inputs.HeldOut ?? card.Ethnicity?.Classifier;
        var updated = card.WithReleaseFields(recipe, Ethnicity(recipe, agreement, unknown, heldOut), audit) with { Recipe = resolved };
        AtomicFile.WriteAllText(Path.Combine(dir, ReleaseFiles.CardJson), updated.ToJson());
        AtomicFile.WriteAllText(Path.Combine(dir, ReleaseFiles.CardMarkdown), updated.ToMarkdown());
        AtomicFile.WriteAllText(Path.Combine(dir, ReleaseFiles.Croissant), CroissantExport.Build(updated, dir));
        return updated;
    }

    /// <summary>The recipe without its release fields, as compact JSON (what decides the sampling).</summary>
    private static string SamplingPart(JsonElement recipe)
    {
        var o = JsonNode.Parse(recipe.GetRawText())!.AsObject();
        foreach (var p in ReleaseProperties) o.Remove(p);
        o.Remove("description");
        return o.ToJsonString();
    }
}
