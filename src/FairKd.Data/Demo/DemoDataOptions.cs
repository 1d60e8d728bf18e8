using FairKd.Core;

namespace FairKd.Data.Demo;

/// <summary>Preset sizes of the demo data.</summary>
public enum DemoScale
{
    /// <summary>For tests: a few hundred small images, generated in about a second.</summary>
    Tiny,

    /// <summary>The demo: about 5,500 images, generated in well under a minute on 2 cores.</summary>
    Small,
}

/// <summary>
/// Options of <c>fairkd demo-data</c>. Defaults are the <see cref="DemoScale.Small"/> preset; <see cref="ForScale"/>
/// gives either preset. Every count is part of the output's identity (recorded in <c>demo-data.json</c>) except
/// <see cref="Workers"/>, which never changes a byte of the output.
/// </summary>
public sealed record DemoDataOptions
{
    /// <summary>Preset the counts came from (recorded; the counts below are what is generated).</summary>
    public DemoScale Scale { get; init; } = DemoScale.Small;

    /// <summary>Seed of every random choice. Same seed and counts give byte-identical files.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Real set (BUPT layout): identities per group (default 40) ...</summary>
    public int RealIdentitiesPerGroup { get; init; } = 40;

    /// <summary>... and images per identity (default 10): 1,600 aligned 112x112 JPEGs.</summary>
    public int RealImagesPerIdentity { get; init; } = 10;

    /// <summary>Each synthetic set: identities (default 200, groups hidden, see groups.csv) ...</summary>
    public int SyntheticIdentities { get; init; } = 200;

    /// <summary>... and images per identity (default 6): 1,200 images per set.</summary>
    public int SyntheticImagesPerIdentity { get; init; } = 6;

    /// <summary>Unaligned variant of the real set: identities per group (default 10, the first real identities) ...</summary>
    public int UnalignedIdentitiesPerGroup { get; init; } = 10;

    /// <summary>... images per identity (default 4, new images of those identities) ...</summary>
    public int UnalignedImagesPerIdentity { get; init; } = 4;

    /// <summary>... and their side in pixels (default 250, like LFW originals).</summary>
    public int UnalignedSize { get; init; } = 250;

    /// <summary>RFW-style evaluation set: identities per group (default 60, disjoint from training) ...</summary>
    public int RfwIdentitiesPerGroup { get; init; } = 60;

    /// <summary>... images per identity (default 4) ...</summary>
    public int RfwImagesPerIdentity { get; init; } = 4;

    /// <summary>... genuine pairs per fold, and as many impostor pairs (default 30: 10 folds x 60 = 600 pairs per group) ...</summary>
    public int RfwPairsPerFold { get; init; } = 30;

    /// <summary>... and the side of the loose crops in pixels (default 200).</summary>
    public int RfwSize { get; init; } = 200;

    /// <summary>LFW-style set: identities (default 100, mostly Caucasian like LFW) ...</summary>
    public int LfwIdentities { get; init; } = 100;

    /// <summary>... images per identity (default 3, aligned 112x112) ...</summary>
    public int LfwImagesPerIdentity { get; init; } = 3;

    /// <summary>... and genuine pairs per fold, plus as many impostors (default 15: 10 folds x 30 = 300 pairs).</summary>
    public int LfwPairsPerFold { get; init; } = 15;

    /// <summary>Parallel render workers (default: all cores). Does not affect the output.</summary>
    public int Workers { get; init; } = Core.MachineDefaults.Workers;

    /// <summary>How many images these counts produce (all subsets).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int TotalImages =>
        (4 * RealIdentitiesPerGroup * RealImagesPerIdentity) + (2 * SyntheticIdentities * SyntheticImagesPerIdentity)
        + (4 * UnalignedIdentitiesPerGroup * UnalignedImagesPerIdentity) + (4 * RfwIdentitiesPerGroup * RfwImagesPerIdentity)
        + (LfwIdentities * LfwImagesPerIdentity);

    /// <summary>Number of folds in every pair list (the RFW/LFW protocol).</summary>
    public const int Folds = 10;

    /// <summary>The preset counts of a scale.</summary>
    public static DemoDataOptions ForScale(DemoScale scale, int seed) => scale switch
    {
        DemoScale.Small => new DemoDataOptions { Scale = scale, Seed = seed },
        DemoScale.Tiny => new DemoDataOptions
        {
            Scale = scale,
            Seed = seed,
            RealIdentitiesPerGroup = 4,
            RealImagesPerIdentity = 3,
            SyntheticIdentities = 12,
            SyntheticImagesPerIdentity = 3,
            UnalignedIdentitiesPerGroup = 2,
            UnalignedImagesPerIdentity = 2,
            UnalignedSize = 160,
            RfwIdentitiesPerGroup = 8,
            RfwImagesPerIdentity = 3,
            RfwPairsPerFold = 2,
            RfwSize = 160,
            LfwIdentities = 8,
            LfwImagesPerIdentity = 3,
            LfwPairsPerFold = 2,
        },
        _ => throw new UsageException($"unknown demo scale {scale}"),
    };

    /// <summary>Parses <c>tiny</c> or <c>small</c> (case-insensitive).</summary>
    public static DemoScale ParseScale(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "tiny" => DemoScale.Tiny,
        "small" => DemoScale.Small,
        _ => throw new UsageException($"--scale must be tiny or small (got '{text}')"),
    };

    /// <summary>Throws <see cref="UsageException"/> naming the first count that cannot produce the documented layout.</summary>
    public void Validate()
    {
        Positive(RealIdentitiesPerGroup, nameof(RealIdentitiesPerGroup));
        Positive(RealImagesPerIdentity, nameof(RealImagesPerIdentity));
        Positive(SyntheticIdentities, nameof(SyntheticIdentities));
        Positive(SyntheticImagesPerIdentity, nameof(SyntheticImagesPerIdentity));
        Positive(UnalignedImagesPerIdentity, nameof(UnalignedImagesPerIdentity));
        Positive(Workers, nameof(Workers));
        if (UnalignedIdentitiesPerGroup < 1 || UnalignedIdentitiesPerGroup > RealIdentitiesPerGroup)
            throw new UsageException($"UnalignedIdentitiesPerGroup must be 1..RealIdentitiesPerGroup ({RealIdentitiesPerGroup}), got {UnalignedIdentitiesPerGroup}");
        if (UnalignedSize is < 112 or > 1024) throw new UsageException($"UnalignedSize must be 112..1024, got {UnalignedSize}");
        if (RfwSize is < 112 or > 1024) throw new UsageException($"RfwSize must be 112..1024, got {RfwSize}");
        PairsPossible("Rfw", RfwIdentitiesPerGroup, RfwImagesPerIdentity, RfwPairsPerFold);
        PairsPossible("Lfw", LfwIdentities, LfwImagesPerIdentity, LfwPairsPerFold);
    }

    private static void Positive(int value, string name)
    {
        if (value < 1) throw new UsageException($"{name} must be at least 1, got {value}");
    }

    private static void PairsPossible(string set, int identities, int images, int perFold)
    {
        Positive(perFold, set + "PairsPerFold");
        if (identities < 2) throw new UsageException($"{set}Identities must be at least 2 (impostor pairs need two), got {identities}");
        if (images < 2) throw new UsageException($"{set}ImagesPerIdentity must be at least 2 (genuine pairs need two), got {images}");
        long genuine = (long)identities * images * (images - 1) / 2;
        long impostor = (long)identities * (identities - 1) / 2 * images * images;
        if (genuine < (long)Folds * perFold || impostor < (long)Folds * perFold)
            throw new UsageException($"{set}: {identities} identities x {images} images cannot give {Folds * perFold} distinct genuine and impostor pairs; lower {set}PairsPerFold or add identities/images");
    }
}
