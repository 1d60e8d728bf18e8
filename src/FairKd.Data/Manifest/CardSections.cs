using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Data.Manifest;

/// <summary>One dataset of a release as the card describes it (from the recipe's <c>sources</c>).</summary>
public sealed record SourceCard(string Name, string Kind, string Title, string? Url, string License, string Access, string Citation, GeneratorCard? Generator)
{
    /// <summary>The card rows of a recipe's datasets, real first (as the recipe lists them).</summary>
    public static IReadOnlyList<SourceCard> FromRecipe(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        RecipeReleaseFields.Require(recipe, $"recipe {recipe.Name}");
        var real = recipe.Real.ToHashSet(StringComparer.Ordinal);
        return [.. recipe.Datasets.Select(d =>
        {
            var s = recipe.Sources[d];
            var g = s.Generator is { } x && !real.Contains(d) ? new GeneratorCard(x.Name!, x.Version!, x.Paper!) : null;
            return new SourceCard(d, real.Contains(d) ? "real" : "synthetic", s.Title ?? d, s.Url, s.License!, s.Access!, s.Citation!, g);
        })];
    }
}

/// <summary>Generator of a synthetic source.</summary>
public sealed record GeneratorCard(string Name, string Version, string Paper);

/// <summary>Images of one group and how many of them agree with a reference group (their folder group).</summary>
public sealed record GroupTally(string Group, long Images, long Agreeing, double Share);

/// <summary>
/// Kept images that have a folder group, and how many have a soft-label argmax that differs from it (per folder group;
/// <see cref="GroupTally.Share"/> is the differing share there, 6 decimals).
/// </summary>
public sealed record FolderAgreement(long Images, long Differing, double DifferingShare, IReadOnlyList<GroupTally> Groups);

/// <summary>Per-group accuracy (argmax of the soft labels equals the folder group) on a labelled held-out cache.</summary>
public sealed record ClassifierAccuracy(string HeldOut, long Images, double Accuracy, IReadOnlyList<GroupTally> Groups);

/// <summary>The card's ethnicity-label section. A null measurement comes with the reason it is unknown.</summary>
public sealed record EthnicityCard(
    string Source,
    FolderAgreement? FolderAgreement,
    string? FolderAgreementUnknown,
    ClassifierAccuracy? Classifier,
    string? ClassifierUnknown);

/// <summary>
/// Counts, per folder group, images and those whose soft-label argmax equals the folder group. Argmax ties go to the first
/// in Caucasian, Asian, Indian, African (the protocols' relabel order).
/// </summary>
public sealed class ArgmaxTally
{
    private static readonly int[] TieOrder = [2, 1, 3, 0];
    private readonly long[] _images = new long[EthnicGroups.Order.Length];
    private readonly long[] _agree = new long[EthnicGroups.Order.Length];

    /// <summary>Images counted (with a known folder group and soft labels).</summary>
    public long Images => _images.Sum();

    /// <summary>Index (in <see cref="EthnicGroups.Order"/>) of the largest probability.</summary>
    public static int Argmax(ReadOnlySpan<float> p)
    {
        var best = TieOrder[0];
        foreach (var g in TieOrder)
            if (p[g] > p[best]) best = g;
        return best;
    }

    /// <summary>Counts one image; ignored without a (known) folder group or without 4 probabilities.</summary>
    public void Add(string? folderGroup, ReadOnlySpan<float> p)
    {
        var g = EthnicGroups.IndexOf(folderGroup);
        if (g < 0 || p.Length != EthnicGroups.Order.Length) return;
        _images[g]++;
        if (Argmax(p) == g) _agree[g]++;
    }

    /// <summary>Counts one image by group indices (<see cref="EthnicGroups.Order"/>); ignored when either is negative.</summary>
    public void Add(int folderGroup, int argmax)
    {
        if (folderGroup < 0 || argmax < 0) return;
        _images[folderGroup]++;
        if (argmax == folderGroup) _agree[folderGroup]++;
    }

    /// <summary>As the card's folder agreement (null when no image had a folder group).</summary>
    public FolderAgreement? ToFolderAgreement()
    {
        if (Images == 0) return null;
        var groups = Rows(differing: true);
        var differing = Images - _agree.Sum();
        return new FolderAgreement(Images, differing, Share(differing, Images), groups);
    }

    /// <summary>As held-out accuracy (null when no image had a folder group).</summary>
    public ClassifierAccuracy? ToAccuracy(string heldOut) =>
        Images == 0 ? null : new ClassifierAccuracy(heldOut, Images, Share(_agree.Sum(), Images), Rows(differing: false));

    private List<GroupTally> Rows(bool differing) => [.. EthnicGroups.Order.Select((name, g) =>
        new GroupTally(name, _images[g], _agree[g], Share(differing ? _images[g] - _agree[g] : _agree[g], _images[g])))];

    private static double Share(long part, long whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 6, MidpointRounding.AwayFromZero);

    /// <summary>Tally of every sample of <paramref name="samples"/> (e.g. a held-out cache's labels).</summary>
    public static ArgmaxTally Of(IEnumerable<LabeledSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var t = new ArgmaxTally();
        foreach (var s in samples) t.Add(s.FolderGroup, s.Ethnicity);
        return t;
    }
}

/// <summary>What the card says about the identity-overlap and duplicate audit (<c>fairkd manifest audit</c>).</summary>
public sealed record AuditCard(
    string AuditSha256,
    double IdentityThreshold,
    double NearDuplicateThreshold,
    string NearDuplicateMethod,
    IReadOnlyList<AuditSetCount> EvalSets,
    long ExactDuplicateGroupsInRelease,
    long NearDuplicatePairs,
    long UnhashedImages);

/// <summary>Per evaluation set: identity pairs above the threshold and images with the same content as a release image.</summary>
public sealed record AuditSetCount(string Name, string Fingerprint, long Identities, long OverlappingPairs, long SharedImages);
