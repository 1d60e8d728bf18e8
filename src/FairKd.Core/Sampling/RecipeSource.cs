namespace FairKd.Core.Sampling;

/// <summary>
/// What a recipe says about one of its datasets for the data card and the Croissant export: where it comes from, under
/// which licence and access terms, how to cite it, and for synthetic data which generator made it.
/// </summary>
public sealed record RecipeSource
{
    /// <summary>Human name of the dataset (e.g. <c>BUPT-BalancedFace</c>). Default: the dataset name.</summary>
    public string? Title { get; init; }

    /// <summary>Web page of the dataset (where it is requested or downloaded). Optional.</summary>
    public string? Url { get; init; }

    /// <summary>Licence of the source's images: an SPDX identifier, a licence URL or the name of the licence agreement. Required.</summary>
    public string? License { get; init; }

    /// <summary>How the images are obtained and what the terms allow (e.g. "request by signed agreement; research only; no redistribution"). Required.</summary>
    public string? Access { get; init; }

    /// <summary>Citation of the dataset's paper, preferably BibTeX. Required.</summary>
    public string? Citation { get; init; }

    /// <summary>Synthetic sources: the generator that made the images. Required for every synthetic dataset.</summary>
    public RecipeGenerator? Generator { get; init; }
}

/// <summary>The generator of a synthetic source.</summary>
public sealed record RecipeGenerator
{
    /// <summary>Generator name (e.g. <c>DCFace</c>). Required.</summary>
    public string? Name { get; init; }

    /// <summary>Version, release or checkpoint of the generator that made the published images. Required.</summary>
    public string? Version { get; init; }

    /// <summary>The generator's paper (reference or URL). Required.</summary>
    public string? Paper { get; init; }
}

/// <summary>The recipe fields a release needs beyond sampling (checked by <c>fairkd manifest build</c>, not by parsing).</summary>
public static class RecipeReleaseFields
{
    /// <summary>Intended use recorded when the recipe gives none.</summary>
    public const string DefaultIntendedUse =
        "Training and knowledge distillation of face recognition models for research on demographic fairness " +
        "(per-group accuracy and its spread), and reproducing the study's Real, Synthetic and Mix training sets.";

    /// <summary>Out-of-scope uses recorded when the recipe gives none.</summary>
    public static IReadOnlyList<string> DefaultOutOfScope { get; } =
    [
        "Identifying, tracking or surveilling people, or any deployment of a model trained on this list without an audit of its own.",
        "Inferring or labelling the ethnicity of individuals: the groups are coarse, classifier-assigned or folder labels used only to balance the list.",
        "Evaluating models on identities that overlap this list (see the audit section), or redistributing images against the sources' terms.",
    ];

    /// <summary>
    /// Every missing field, as "source NAME: FIELD is missing (what it holds)", in dataset order: each named dataset needs a
    /// source entry with license, access and citation; a synthetic one also a generator with name, version and paper; plus
    /// the recipe's <c>ethnicityLabels</c> and <c>datePublished</c>. Sources the recipe does not use are errors too.
    /// </summary>
    public static IReadOnlyList<string> Missing(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var problems = new List<string>();
        var synthetic = recipe.Synthetic.ToHashSet(StringComparer.Ordinal);
        foreach (var d in recipe.Datasets)
        {
            if (!recipe.Sources.TryGetValue(d, out var s))
            {
                problems.Add($"source {d}: no entry in \"sources\" (give license, access and citation{(synthetic.Contains(d) ? ", and generator name/version/paper" : "")})");
                continue;
            }

            if (Blank(s.License)) problems.Add($"source {d}: license is missing (SPDX id, licence URL or agreement name)");
            if (Blank(s.Access)) problems.Add($"source {d}: access is missing (how the images are obtained and what the terms allow)");
            if (Blank(s.Citation)) problems.Add($"source {d}: citation is missing (BibTeX of the dataset's paper)");
            if (!synthetic.Contains(d)) continue;
            if (s.Generator is not { } g) { problems.Add($"source {d}: generator is missing (name, version, paper of the generator)"); continue; }
            if (Blank(g.Name)) problems.Add($"source {d}: generator.name is missing");
            if (Blank(g.Version)) problems.Add($"source {d}: generator.version is missing (release or checkpoint that made the images)");
            if (Blank(g.Paper)) problems.Add($"source {d}: generator.paper is missing");
        }

        var named = recipe.Datasets.ToHashSet(StringComparer.Ordinal);
        foreach (var extra in recipe.Sources.Keys.Where(k => !named.Contains(k)).Order(StringComparer.Ordinal))
            problems.Add($"source {extra}: listed in \"sources\" but not in \"real\" or \"synthetic\"");
        if (Blank(recipe.EthnicityLabels)) problems.Add("ethnicityLabels is missing (where the soft labels come from: classifier, predictions file or folders)");
        if (Blank(recipe.DatePublished)) problems.Add("datePublished is missing (ISO date the release was published; Croissant requires it)");
        else if (!DateOnly.TryParseExact(recipe.DatePublished, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
            problems.Add($"datePublished '{recipe.DatePublished}' is not an ISO date (yyyy-MM-dd)");
        return problems;
    }

    /// <summary>Throws a <see cref="UsageException"/> listing <see cref="Missing"/>, prefixed with <paramref name="origin"/>.</summary>
    public static void Require(Recipe recipe, string origin)
    {
        var missing = Missing(recipe);
        if (missing.Count > 0) throw new UsageException($"{origin}: the release needs {string.Join("; ", missing)}");
    }

    private static bool Blank(string? s) => string.IsNullOrWhiteSpace(s);
}
