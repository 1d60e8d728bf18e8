using System.Globalization;
using FairKd.Core.Pipeline;

namespace FairKd.Data.Demo;

/// <summary>
/// `fairkd demo-data` as a record: the output folder, the preset and the seed (and the workers, which never change a byte).
/// The command parses its flags into it, `fairkd run`'s planner builds it for a pipeline's demoData step, and
/// <see cref="ToOptions"/> gives the generator's <see cref="DemoDataOptions"/>.
/// </summary>
public sealed record DemoDataRequest : IStageOptions
{
    /// <summary>Output folder (new or empty, or an earlier demo-data folder with the same options).</summary>
    public string? OutDir { get; init; }

    /// <summary>Preset: tiny (tests) or small (the demo, the default).</summary>
    public string Scale { get; init; } = "small";

    /// <summary>Seed of every random choice (default 1).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Parallel render workers (null: all cores).</summary>
    public int? Workers { get; init; }

    /// <summary>The generator's options: the preset's counts with <see cref="Seed"/> and <see cref="Workers"/>; throws
    /// <see cref="Core.UsageException"/> for an unknown scale or workers below 1.</summary>
    public DemoDataOptions ToOptions()
    {
        var options = DemoDataOptions.ForScale(DemoDataOptions.ParseScale(Scale), Seed);
        if (Workers is not { } w) return options;
        if (w < 1) throw new Core.UsageException($"--workers must be at least 1, got {w}");
        return options with { Workers = w };
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> ToArgs()
    {
        var a = new List<string> { "demo-data" };
        if (OutDir is not null) a.AddRange(["--out", OutDir]);
        if (Scale != "small") a.AddRange(["--scale", Scale]);
        if (Seed != 1) a.AddRange(["--seed", Seed.ToString(CultureInfo.InvariantCulture)]);
        if (Workers is { } w) a.AddRange(["--workers", w.ToString(CultureInfo.InvariantCulture)]);
        return a;
    }
}
