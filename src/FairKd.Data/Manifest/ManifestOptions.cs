using FairKd.Core.Pipeline;

namespace FairKd.Data.Manifest;

/// <summary>
/// Options of the manifest build stage (<see cref="ManifestStage"/>: a recipe's sampling over labelled caches, written as a
/// release folder). The values are given as `fairkd manifest build` takes them, so the command, a pipeline step and a
/// library caller build the same record.
/// </summary>
public sealed record ManifestOptions : IStageOptions
{
    /// <summary>The recipe JSON file (the command's positional argument). Required by <see cref="ManifestStage"/>.</summary>
    public string? Recipe { get; init; }

    /// <summary>Cache folders with labelled samples (<c>--cache</c>, repeatable): embedding caches or labels.csv folders.
    /// At least one is required.</summary>
    public IReadOnlyList<string> Caches { get; init; } = [];

    /// <summary>The release folder to write, replaced atomically (<c>--out</c>). Required by <see cref="ManifestStage"/>.</summary>
    public string? OutDir { get; init; }

    /// <summary>A cache of group-labelled held-out images labelled by the same ethnicity classifier
    /// (<c>--ethnicity-holdout</c>): its per-group accuracy goes into the card. Null: none.</summary>
    public string? EthnicityHoldout { get; init; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string>();
        foreach (var c in Caches) a.AddRange(["--cache", c]);
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (EthnicityHoldout is not null) a.AddRange(["--ethnicity-holdout", EthnicityHoldout]);
        return StageArgs.With(["manifest", "build"], [Recipe], a);
    }
}
