using FairKd.Core;
using FairKd.Core.Pipeline;

namespace FairKd.Data.Manifest;

/// <summary>What `manifest card` wrote.</summary>
/// <param name="ReleaseDir">The release folder whose card was rewritten.</param>
/// <param name="Card">The new card (card.json; card.md and croissant.json render it).</param>
public sealed record ManifestCardResult(string ReleaseDir, DataCard Card);

/// <summary>
/// The card stage: rewrites card.json, card.md and croissant.json of an existing release from its recipe (sources, uses), an
/// audit and measurements (<see cref="ReleaseCard.Rewrite"/>), leaving samples.csv and identities.csv untouched. `fairkd
/// manifest card` is parse -> <see cref="ManifestCardOptions"/> -> this -> exit code.
/// </summary>
public sealed class ManifestCardStage
{
    private ManifestCardStage()
    {
    }

    /// <summary>Checks the options and inputs (a <see cref="UsageException"/> naming the option to fix before anything is
    /// written), rewrites the card and reports the files and the card's numbers to <paramref name="reporter"/>.</summary>
    public static Task<ManifestCardResult> RunAsync(ManifestCardOptions options, StageReporter? reporter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = reporter ?? StageReporter.Silent;
        var dir = ManifestInputs.Required(options.Release, "the release folder (manifest card DIR)");
        var recipe = ManifestInputs.ReadRecipe(ManifestInputs.Required(options.Recipe, "--recipe FILE"));
        var heldOut = ManifestInputs.HeldOut(options.EthnicityHoldout);
        var labels = options.Caches.Count > 0 ? ManifestInputs.ReadCaches(options.Caches) : ((IReadOnlyList<string>, IEnumerable<Core.Records.LabeledSample>)?)null;
        ct.ThrowIfCancellationRequested();
        var card = ReleaseCard.Rewrite(dir, recipe, new ReleaseCardInputs(labels, heldOut, options.Audit));
        log.Info($"wrote {Path.Combine(dir, ReleaseFiles.CardJson)}, {ReleaseFiles.CardMarkdown}, {ReleaseFiles.Croissant}");
        log.Write(ReleaseStats.Table(card.Numbers));
        return Task.FromResult(new ManifestCardResult(dir, card));
    }
}
