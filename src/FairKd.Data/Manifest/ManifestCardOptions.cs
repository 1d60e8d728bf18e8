using FairKd.Core.Pipeline;

namespace FairKd.Data.Manifest;

/// <summary>
/// Options of `fairkd manifest card` (<see cref="ManifestCardStage"/>: a release's card.json, card.md and croissant.json
/// rewritten from its recipe, an audit and measurements, its sample lists untouched), as the command takes them.
/// </summary>
public sealed record ManifestCardOptions : IStageOptions
{
    /// <summary>The release folder (the command's positional argument). Required.</summary>
    public string? Release { get; init; }

    /// <summary>The release's recipe JSON file (<c>--recipe</c>); it must sample as the recorded one. Required.</summary>
    public string? Recipe { get; init; }

    /// <summary>The caches the release was built from (<c>--cache</c>, repeatable): the soft-label argmax is measured
    /// against the folder groups. Empty: the card keeps what it says.</summary>
    public IReadOnlyList<string> Caches { get; init; } = [];

    /// <summary>A cache of group-labelled held-out images labelled by the same ethnicity classifier
    /// (<c>--ethnicity-holdout</c>): its per-group accuracy goes into the card. Null: the card keeps what it says.</summary>
    public string? EthnicityHoldout { get; init; }

    /// <summary>audit.json of this release (<c>--audit</c>, written by `fairkd manifest audit`): its summary goes into the
    /// card. Null: the card keeps what it says.</summary>
    public string? Audit { get; init; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string>();
        if (Recipe is not null) a.AddRange(["--recipe", Recipe]);
        foreach (var c in Caches) a.AddRange(["--cache", c]);
        if (EthnicityHoldout is not null) a.AddRange(["--ethnicity-holdout", EthnicityHoldout]);
        if (Audit is not null) a.AddRange(["--audit", Audit]);
        return StageArgs.With(["manifest", "card"], [Release], a);
    }
}
