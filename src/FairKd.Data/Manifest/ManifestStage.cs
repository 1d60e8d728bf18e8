using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Data.Manifest;

/// <summary>What a manifest build wrote: the release folder, its kept identities and images, the SHA-256 of its sample
/// lists and its card.</summary>
/// <param name="ReleaseDir">The release folder (absolute).</param>
/// <param name="Identities">Identities kept in the release.</param>
/// <param name="Images">Images kept in the release (rows of samples.csv).</param>
/// <param name="Files">SHA-256 of samples.csv and identities.csv, as the card records them.</param>
/// <param name="Card">The card written as card.json.</param>
public sealed record ManifestResult(string ReleaseDir, long Identities, long Images, ReleaseHashes Files, DataCard Card);

/// <summary>
/// The manifest build stage: the recipe's sampling over the labelled samples of the caches (<see cref="ManifestBuilder"/>),
/// written as a release (samples.csv, identities.csv, card.json, card.md, croissant.json) with the build's provenance in the
/// card. `fairkd manifest build` is parse -> <see cref="ManifestOptions"/> -> this -> exit code. <see cref="Prepare"/> checks
/// the options and reads the recipe, the caches' fingerprints and the held-out cache before anything is written.
/// </summary>
public sealed class ManifestStage
{
    private readonly string _outDir;
    private readonly Recipe _recipe;
    private readonly List<(string Dir, ILabeledSampleSource Source)> _sources;
    private readonly ManifestBuildOptions _build;

    private ManifestStage(string outDir, Recipe recipe, List<(string Dir, ILabeledSampleSource Source)> sources, ManifestBuildOptions build)
    {
        _outDir = outDir;
        _recipe = recipe;
        _sources = sources;
        _build = build;
    }

    /// <summary>Checks <paramref name="options"/>, reads the recipe (with its release fields), finds each cache's reader and
    /// fingerprint, measures the held-out cache and starts the build's provenance (hashing the recipe and the caches' index
    /// files); throws <see cref="UsageException"/> naming the option to fix. Nothing is written.</summary>
    public static ManifestStage Prepare(ManifestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var recipePath = ManifestInputs.Required(options.Recipe, "the recipe JSON file (manifest build RECIPE)");
        var outDir = ManifestInputs.Required(options.OutDir, "--out DIR");
        var recipe = ManifestInputs.ReadRecipe(recipePath);
        if (options.Caches.Count == 0) throw new UsageException("give at least one --cache DIR");
        var heldOut = ManifestInputs.HeldOut(options.EthnicityHoldout);
        var sources = ManifestInputs.Sources(options.Caches);
        var fingerprints = sources.Select(s => s.Source.Fingerprint(s.Dir)).ToList();
        var provenance = ProvenanceRecorder.Start("manifest").AddFile("recipe", recipePath);
        foreach (var c in options.Caches.Select(Path.GetFullPath).Order(StringComparer.Ordinal)) provenance.AddFile("cache", ManifestInputs.LabelFile(c)); // order-free, like the release
        if (options.EthnicityHoldout is { } holdout) provenance.AddFile("ethnicity-holdout", ManifestInputs.LabelFile(holdout));
        return new ManifestStage(outDir, recipe, sources,
            new ManifestBuildOptions { InputFingerprints = fingerprints, HeldOut = heldOut, Provenance = provenance });
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    public static Task<ManifestResult> RunAsync(ManifestOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options).RunAsync(reporter, ct);

    /// <summary>Builds and writes the release (once per <see cref="Prepare"/>: the provenance it started is finished here);
    /// reports the folder, the card's numbers and the provenance summary to <paramref name="reporter"/>.</summary>
    public async Task<ManifestResult> RunAsync(StageReporter? reporter, CancellationToken ct)
    {
        var log = reporter ?? StageReporter.Silent;
        var res = await ManifestBuilder.BuildAsync(_recipe, sink =>
        {
            foreach (var (dir, source) in _sources) source.ReadInto(dir, sink); // one cache after the other
        }, _outDir, _build, ct).ConfigureAwait(false);
        log.Info($"wrote {res.OutDir}");
        log.Write(ReleaseStats.Table(res.Card.Numbers));
        if (res.Card.Provenance is { } seen) log.Info($"provenance: {seen.Summary()}");
        return new ManifestResult(res.OutDir, res.Card.Numbers.KeptIdentities, res.Card.Numbers.KeptImages, res.Card.Files, res.Card);
    }
}
