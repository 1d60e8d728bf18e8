using FairKd.Core;
using FairKd.Data.Readers;

namespace FairKd.Data.Imaging;

/// <summary>
/// The imaging options shared by every command that turns training images into network input (`ingest`, `embed`,
/// `train`): <c>--landmarks NAME=FILE</c> (repeatable; NAME is a dataset name, the sample-key prefix) and
/// <c>--unaligned reject|center-crop</c>. Validates them (exit 2 on mistakes), reads the landmark tables and describes
/// the result as the <see cref="PreprocessingRecord"/> embed stores in a cache.
/// </summary>
public sealed class ImagingInputs
{
    private ImagingInputs(UnalignedPolicy? given) => UnalignedGiven = given;

    /// <summary>The <c>--unaligned</c> policy when given explicitly; null when left at its default.</summary>
    public UnalignedPolicy? UnalignedGiven { get; }

    /// <summary>The policy in force (default reject).</summary>
    public UnalignedPolicy Unaligned => UnalignedGiven ?? UnalignedPolicy.Reject;

    /// <summary>Landmark tables by dataset name.</summary>
    public Dictionary<string, LandmarkTable> Landmarks { get; } = new(StringComparer.Ordinal);

    /// <summary>The landmark file of each dataset, as given.</summary>
    public Dictionary<string, string> LandmarkFiles { get; } = new(StringComparer.Ordinal);

    /// <summary>Imaging options with the policy in force.</summary>
    public ImagingOptions Imaging => For(Unaligned);

    /// <summary>The imaging options of a policy: every command builds them here (ingest, embed, train, eval).</summary>
    public static ImagingOptions For(UnalignedPolicy policy) => ImagingOptions.Default with { Unaligned = policy };

    /// <summary>
    /// Parses <c>--landmarks</c> and <c>--unaligned</c> (null = not given). Landmark names must be among
    /// <paramref name="datasets"/> and appear once; <paramref name="report"/> collects malformed landmark lines.
    /// </summary>
    public static ImagingInputs Parse(string[] landmarkFiles, string? unaligned, IReadOnlyCollection<string> datasets, ReaderReport report)
    {
        ArgumentNullException.ThrowIfNull(landmarkFiles);
        ArgumentNullException.ThrowIfNull(datasets);
        var inputs = new ImagingInputs(unaligned is null ? null : ParseUnaligned(unaligned));
        foreach (var l in landmarkFiles)
        {
            var p = NamedPath.Parse(l, "--landmarks", NamedPathKind.File);
            if (!datasets.Contains(p.Name))
                throw new UsageException($"--landmarks {l}: no dataset named '{p.Name}' (datasets: {string.Join(", ", datasets.Order(StringComparer.Ordinal))})");
            if (inputs.LandmarkFiles.ContainsKey(p.Name)) throw new UsageException($"--landmarks {p.Name} is given twice");
            var table = LandmarkFileReader.Read(p.Path, report);
            InputFileCheck.Ensure($"--landmarks {l}", p.Path, InputFormat.Landmarks, table.Count, "landmark rows", report);
            inputs.Landmarks[p.Name] = table;
            inputs.LandmarkFiles[p.Name] = p.Path;
        }

        return inputs;
    }

    /// <summary>The `--unaligned` option (shared by ingest, embed, train and eval).</summary>
    public static UnalignedPolicy ParseUnaligned(string value) => value switch
    {
        "reject" => UnalignedPolicy.Reject,
        "center-crop" => UnalignedPolicy.CenterCrop,
        _ => throw new UsageException($"--unaligned {value}: use reject or center-crop"),
    };

    /// <summary>The landmark files by dataset with their SHA-256 (reads each file).</summary>
    public List<LandmarkSource> Sources() =>
        [.. LandmarkFiles.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => LandmarkSource.Of(kv.Key, kv.Value))];

    /// <summary>What these options do to an image (<paramref name="imaging"/> defaults to <see cref="Imaging"/>).</summary>
    public PreprocessingRecord Record(ImagingOptions? imaging = null) => PreprocessingRecord.For(imaging ?? Imaging, Sources());
}
