using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Data.Manifest;

/// <summary>The inputs `manifest build` and `manifest card` share: the recipe file, the caches, the held-out cache.</summary>
internal static class ManifestInputs
{
    /// <summary>The recipe of <paramref name="path"/> with its release fields (<see cref="RecipeReleaseFields.Require"/>).</summary>
    public static Recipe ReadRecipe(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"recipe not found: {path}", path);
        var recipe = RecipeJson.Parse(File.ReadAllText(path), path);
        RecipeReleaseFields.Require(recipe, path);
        return recipe;
    }

    /// <summary>Each cache folder with its labelled-sample reader.</summary>
    public static List<(string Dir, ILabeledSampleSource Source)> Sources(IEnumerable<string> caches) =>
        [.. caches.Select(c => (c, LabeledSampleSources.ForCache(c)))];

    /// <summary>The caches' fingerprints and (lazily read) labelled samples.</summary>
    public static (IReadOnlyList<string> Fingerprints, IEnumerable<LabeledSample> Samples) ReadCaches(IEnumerable<string> caches)
    {
        var sources = Sources(caches);
        return (sources.Select(s => s.Source.Fingerprint(s.Dir)).ToList(), sources.SelectMany(s => s.Source.Read(s.Dir)));
    }

    /// <summary>The file that describes a labelled folder: an embedding cache's index, else its labels.csv.</summary>
    public static string LabelFile(string dir) =>
        Path.Combine(dir, File.Exists(Path.Combine(dir, Cache.CacheIndex.FileName)) ? Cache.CacheIndex.FileName : CsvLabeledSampleSource.FileName);

    /// <summary>The classifier's accuracy on the held-out cache <paramref name="cacheDir"/>, or null without one.</summary>
    public static ClassifierAccuracy? HeldOut(string? cacheDir)
    {
        if (cacheDir is null) return null;
        var source = LabeledSampleSources.ForCache(cacheDir);
        return ReleaseCard.HeldOutAccuracy(source.Fingerprint(cacheDir), source.Read(cacheDir));
    }

    /// <summary>A <see cref="UsageException"/> when <paramref name="value"/> is missing: <paramref name="what"/> names the option.</summary>
    public static string Required(string? value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"{what} is required") : value;
}
