using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FairKd.Core;

namespace FairKd.Data.Imaging;

/// <summary>A landmark file used for one dataset: the dataset name (sample-key prefix), the file as given and the
/// SHA-256 of its bytes (what is compared).</summary>
public sealed record LandmarkSource(string Dataset, string File, string Sha256)
{
    /// <summary>The source of <paramref name="file"/> for <paramref name="dataset"/> (hashes the file).</summary>
    public static LandmarkSource Of(string dataset, string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var stream = System.IO.File.OpenRead(file);
        return new LandmarkSource(dataset, Path.GetFullPath(file), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
    }
}

/// <summary>
/// What turns an image into network input, as recorded by `fairkd embed` in <c>_cache.json</c> (<c>metadata.imaging</c>)
/// and checked by `fairkd train --cache`: the alignment template and output side, the normalisation and channel
/// order, the policy for images without landmarks and, per dataset, the landmark file. Versioned on its own
/// (<see cref="Version"/>): readers refuse a newer version; a cache written before the record existed has none
/// (<see cref="FromLegacy"/> recovers what its <c>preprocessing</c> string says).
/// Decode limits (pixel and byte caps) are not recorded: they decide which images are rejected, not what an accepted
/// image becomes.
/// </summary>
public sealed partial record PreprocessingRecord
{
    /// <summary>The version this FairKd writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The only template FairKd aligns to: insightface's 5-point <c>arcface_dst</c> (<see cref="ArcFaceTemplate"/>).</summary>
    public const string ArcFaceTemplateName = "arcface";

    /// <summary>The only normalisation FairKd applies: <c>(x - 127.5) / 127.5</c> per channel.</summary>
    public const string StandardNormalisation = "(x-127.5)/127.5";

    /// <summary>Channel order and layout of the network input.</summary>
    public const string RgbChw = "rgb chw";

    /// <summary>Version of this record's layout (<see cref="CurrentVersion"/> when written by this build).</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Alignment template name (<see cref="ArcFaceTemplateName"/>, the only one).</summary>
    public string Template { get; init; } = ArcFaceTemplateName;

    /// <summary>Output side in pixels (<see cref="ImagingOptions.OutputSize"/>).</summary>
    public int Size { get; init; } = 112;

    /// <summary>Pixel normalisation as a formula string (<see cref="StandardNormalisation"/>).</summary>
    public string Normalisation { get; init; } = StandardNormalisation;

    /// <summary>Channel order and layout (<see cref="RgbChw"/>).</summary>
    public string Channels { get; init; } = RgbChw;

    /// <summary><c>reject</c> or <c>center-crop</c> (the <c>--unaligned</c> value).</summary>
    public string Unaligned { get; init; } = "reject";

    /// <summary>Landmark files by dataset, sorted by dataset name; empty when none was given. Null only for a legacy
    /// cache, whose landmarks are unknown.</summary>
    public IReadOnlyList<LandmarkSource>? Landmarks { get; init; } = [];

    /// <summary>The record of what <see cref="FacePreprocessor"/> does with <paramref name="options"/> and these landmark files.</summary>
    public static PreprocessingRecord For(ImagingOptions options, IEnumerable<LandmarkSource> landmarks)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(landmarks);
        return new PreprocessingRecord
        {
            Size = options.OutputSize,
            Unaligned = UnalignedName(options.Unaligned),
            Landmarks = [.. landmarks.OrderBy(l => l.Dataset, StringComparer.Ordinal)],
        };
    }

    /// <summary>The <c>--unaligned</c> spelling of a policy.</summary>
    public static string UnalignedName(UnalignedPolicy policy) => policy switch
    {
        UnalignedPolicy.Reject => "reject",
        UnalignedPolicy.CenterCrop => "center-crop",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    /// <summary>True for a record recovered from a legacy description (landmark files unknown).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsLegacy => Landmarks is null;

    /// <summary>The landmark file of <paramref name="dataset"/>, or null.</summary>
    public LandmarkSource? LandmarksOf(string dataset) => Landmarks?.FirstOrDefault(l => l.Dataset == dataset);

    /// <summary>
    /// The imaging options this record describes; throws <see cref="UsageException"/> naming the setting when this
    /// FairKd cannot preprocess that way (a newer record version, another template, normalisation or channel order).
    /// </summary>
    public ImagingOptions ToImagingOptions(string where)
    {
        if (Version > CurrentVersion || Version < 1)
            throw new UsageException($"{where}: preprocessing record version {Version}; this FairKd reads version {CurrentVersion}");
        Check("template", Template, ArcFaceTemplateName);
        Check("normalisation", Normalisation, StandardNormalisation);
        Check("channels", Channels, RgbChw);
        var policy = Unaligned switch
        {
            "reject" => UnalignedPolicy.Reject,
            "center-crop" => UnalignedPolicy.CenterCrop,
            _ => throw new UsageException($"{where}: unaligned policy '{Unaligned}' is not one this FairKd knows (reject, center-crop)"),
        };
        var options = ImagingOptions.Default with { OutputSize = Size, Unaligned = policy };
        options.Validate();
        return options;

        void Check(string what, string recorded, string supported)
        {
            if (recorded != supported)
                throw new UsageException($"{where}: {what} '{recorded}' differs from the only one this FairKd produces, '{supported}'");
        }
    }

    /// <summary>The human-readable description stored in <c>metadata.preprocessing</c> since the first cache version
    /// (kept identical so older caches resume): <c>arcface-112 (x-127.5)/127.5 rgb, unaligned=reject</c>.</summary>
    public string Describe() =>
        $"{Template}-{Size.ToString(CultureInfo.InvariantCulture)} {Normalisation} {Channels.Split(' ')[0]}, unaligned={Unaligned.Replace("-", "", StringComparison.Ordinal)}";

    /// <summary>
    /// Recovers size and unaligned policy from a legacy <c>metadata.preprocessing</c> string (written before
    /// <c>metadata.imaging</c> existed); the landmark files are unknown (<see cref="IsLegacy"/>). Null when the string
    /// is not in that form.
    /// </summary>
    public static PreprocessingRecord? FromLegacy(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        var m = LegacyPattern().Match(description);
        if (!m.Success) return null;
        return new PreprocessingRecord
        {
            Template = m.Groups["template"].Value,
            Size = int.Parse(m.Groups["size"].Value, CultureInfo.InvariantCulture),
            Normalisation = m.Groups["norm"].Value,
            Channels = m.Groups["channels"].Value == "rgb" ? RgbChw : m.Groups["channels"].Value,
            Unaligned = m.Groups["unaligned"].Value == "centercrop" ? "center-crop" : m.Groups["unaligned"].Value,
            Landmarks = null,
        };
    }

    /// <summary>One line per setting, for comparing two records and for messages.</summary>
    public string Canonical()
    {
        var sb = new StringBuilder()
            .Append("version=").Append(Version).Append('\n')
            .Append("template=").Append(Template).Append('\n')
            .Append("size=").Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("normalisation=").Append(Normalisation).Append('\n')
            .Append("channels=").Append(Channels).Append('\n')
            .Append("unaligned=").Append(Unaligned).Append('\n');
        if (Landmarks is null) sb.Append("landmarks=unknown\n");
        else foreach (var l in Landmarks) sb.Append("landmarks.").Append(l.Dataset).Append('=').Append(l.Sha256).Append('\n');
        return sb.ToString();
    }

    /// <summary>Equal settings and the same landmark files (paths and contents).</summary>
    public bool Equals(PreprocessingRecord? other) =>
        other is not null && Canonical() == other.Canonical()
        && (Landmarks ?? []).Select(l => l.File).SequenceEqual((other.Landmarks ?? []).Select(l => l.File), StringComparer.Ordinal);

    /// <summary>Hash of the canonical settings string (consistent with <see cref="Equals(PreprocessingRecord)"/>).</summary>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical());

    /// <summary><see cref="Canonical"/> on one line (<c>; </c>-separated).</summary>
    public string CanonicalLine() => Canonical().TrimEnd('\n').Replace("\n", "; ", StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<template>[a-z0-9]+)-(?<size>\d+) (?<norm>\S+) (?<channels>[a-z]+), unaligned=(?<unaligned>[a-z-]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyPattern();
}
