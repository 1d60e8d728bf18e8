using System.Text.Json;
using System.Text.Json.Serialization;
using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Stages.Train;

/// <summary>
/// model.json of a training run (schema 1): what was trained and on what, written when the run starts. A rerun into the
/// same folder must have the same config (otherwise it is refused), so `--resume` and the no-op rerun are safe.
/// </summary>
internal sealed record TrainRunConfig(
    string Model,
    string Loss,
    string Target,
    int Classes,
    bool Kd,
    string? KdMode,
    double? KdLambda,
    IReadOnlyList<string> Caches,
    int Epochs,
    int BatchSize,
    double Lr,
    IReadOnlyList<int> Milestones,
    int Seed,
    bool Flip,
    int Samples,
    string SamplesSha256,
    string? InitWeightsSha256)
{
    public const string FileName = "model.json";

    public int SchemaVersion { get; init; } = 1;

    /// <summary>How the images are preprocessed (<c>PreprocessingRecord.CanonicalLine</c>: template, size, normalisation,
    /// unaligned policy, landmark files by content); absent for the defaults (112, reject, no landmarks).</summary>
    public string? Preprocessing { get; init; }

    /// <summary>Per dataset, the images, how many have no identity label, and the weights of the margin-loss and KD terms;
    /// absent when every image is labelled and both weights are 1 (the study's loss).</summary>
    public IReadOnlyList<DatasetLossWeights>? LossWeights { get; init; }

    /// <summary>With --kd-weights, one entry per teacher: its weight (scaled to sum 1), cache folder, teacher name and weights
    /// SHA-256 prefix; absent when the caches are shards of one teacher.</summary>
    public IReadOnlyList<string>? KdTeachers { get; init; }

    /// <summary>One record per training session of this folder (a resumed run has several): inputs with SHA-256 (manifest files,
    /// caches' indexes, landmark files, initial weights; image roots as folders), counts (samples, steps, images seen, images
    /// rejected by reason), FairKd version and commit, host, wall time and images/s. Not part of <see cref="SameAs"/>.</summary>
    public IReadOnlyList<RunProvenance>? Provenance { get; init; }

    /// <summary>`--val-split`: the held-out identities and pairs validated after every epoch; absent without it.</summary>
    public ValidationConfig? Validation { get; init; }

    /// <summary>`--select`: which weights become backbone.pth, <c>best-val</c>; absent for <c>last</c> (the default).</summary>
    public string? Select { get; init; }

    /// <summary>Which checkpoint's weights backbone.pth holds and by which rule (written when the run exports them). Not part of
    /// <see cref="SameAs"/>.</summary>
    public SelectedWeights? Selected { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static TrainRunConfig? TryRead(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrainRunConfig>(File.ReadAllText(path), Json)
                ?? throw new Core.UsageException($"{path} is empty: choose another --out or remove the folder");
        }
        catch (JsonException e)
        {
            throw new Core.UsageException($"{path} is not a FairKd run config ({e.Message}): choose another --out or remove the folder");
        }
    }

    public void Write(string dir) => AtomicFile.WriteAllText(Path.Combine(dir, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Equal in every field but <see cref="Provenance"/> and <see cref="Selected"/> (lists by value).</summary>
    public bool SameAs(TrainRunConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return JsonSerializer.Serialize(this with { Provenance = null, Selected = null }, Json) == JsonSerializer.Serialize(other with { Provenance = null, Selected = null }, Json);
    }
}

/// <summary>One dataset's share of the loss in a training run (model.json).</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Images">Training images of the dataset.</param>
/// <param name="Unlabelled">Images without an identity label (a flat dataset): they carry the KD term only.</param>
/// <param name="Margin">Weight of the margin-loss term of its images.</param>
/// <param name="Kd">Weight of the KD term of its images (0 without --cache).</param>
internal sealed record DatasetLossWeights(string Dataset, int Images, int Unlabelled, double Margin, double Kd);
