namespace FairKd.Core.Sampling;

/// <summary>Identities of a recipe's datasets and the protocol run over them.</summary>
public sealed record RecipePlan(Recipe Recipe, SamplingResult Result, IReadOnlyList<string> IgnoredDatasets);

/// <summary>Runs a recipe over identities (pure). Identities of datasets the recipe does not name are ignored (and listed).</summary>
public static class RecipePlanner
{
    /// <summary>
    /// Filters <paramref name="identities"/> to the recipe's datasets, marks the real ones, and runs the protocol with the
    /// recipe's target (and quota, for Mix in quota mode). Real recipes are balanced per group by the protocol itself.
    /// </summary>
    /// <exception cref="UsageException">the recipe names a dataset without identities, or the sampler refuses the input.</exception>
    public static RecipePlan Plan(Recipe recipe, IEnumerable<SamplingIdentity> identities)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(identities);
        recipe.Validate();
        var real = recipe.Real.ToHashSet(StringComparer.Ordinal);
        var named = recipe.Datasets.ToHashSet(StringComparer.Ordinal);
        var all = identities.ToList();
        var present = all.Select(x => x.Source).ToHashSet(StringComparer.Ordinal);
        var missing = recipe.Datasets.Where(d => !present.Contains(d)).ToList();
        if (missing.Count > 0)
            throw new UsageException(
                $"{missing.Count} datasets named in recipe '{recipe.Name}' are not in the input: {string.Join(", ", missing)} " +
                $"(the input has: {string.Join(", ", present.Order(StringComparer.Ordinal))})");
        var ignored = present.Where(d => !named.Contains(d)).Order(StringComparer.Ordinal).ToList();
        var used = all.Where(x => named.Contains(x.Source)).Select(x => x with { IsReal = real.Contains(x.Source) }).ToList();
        var result = IdentitySampler.Run(used, recipe.ResolvedProtocol, recipe.Target?.ToTarget(), recipe.Quota);
        return new RecipePlan(recipe, result, ignored);
    }
}
