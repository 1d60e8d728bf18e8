using System.Globalization;
using FairKd.Stages.Train;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Data.Imaging;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Stages.Export;

/// <summary>
/// The pieces of `fairkd export` (<see cref="ExportStage"/>): the network, weights and preprocessing from <c>--model SPEC
/// --weights FILE</c> or a training run folder (<c>--run DIR</c>: its model.json and backbone.pth), the check that the
/// output can be written, and the metadata written beside the alignment and preprocessing the network was trained for.
/// </summary>
internal static class ExportRun
{
    /// <summary>The five ArcFace landmarks in the order of <c>alignment_points</c>.</summary>
    public const string LandmarkOrder = "left_eye,right_eye,nose,left_mouth,right_mouth";

    /// <summary>What to export: the network, its weights file and the preprocessing record line it was trained with.</summary>
    internal sealed record Source(ModelSpec Spec, string Weights, string Preprocessing);

    /// <summary>The network, weights and preprocessing from exactly one of <c>--model/--weights</c> and <c>--run</c>.</summary>
    internal static Source Resolve(string? model, string? weights, string? run)
    {
        if (run is not null == (model is not null || weights is not null))
            throw new UsageException("give either --model SPEC --weights FILE, or --run DIR (a `fairkd train` output folder)");
        if (run is not null) return FromRun(run);
        if (model is null) throw new UsageException("--weights needs --model SPEC (e.g. iresnet34 or mobilefacenet:width=0.125)");
        if (weights is null) throw new UsageException($"--model {model} needs --weights FILE");
        var spec = ModelSpecText.Parse(model);
        if (!File.Exists(weights)) throw new UsageException($"--weights {weights}: file not found");
        return new Source(spec, weights, DefaultRecord(spec));
    }

    private static Source FromRun(string run)
    {
        if (!Directory.Exists(run)) throw new UsageException($"--run {run}: folder not found");
        var config = TrainRunConfig.TryRead(run)
            ?? throw new UsageException($"--run {run}: no {TrainRunConfig.FileName}; give the output folder of `fairkd train` (or --model SPEC --weights FILE)");
        var spec = ModelSpecText.Parse(config.Model, $"--run {run}: {TrainRunConfig.FileName} model");
        var weights = Path.Combine(run, PipelineFiles.Backbone);
        if (!File.Exists(weights))
            throw new UsageException($"--run {run}: no {PipelineFiles.Backbone} yet; train writes it when it stops, so rerun its `fairkd train` command with --resume");
        return new Source(spec, weights, config.Preprocessing ?? DefaultRecord(spec));
    }

    private static string DefaultRecord(ModelSpec spec) =>
        PreprocessingRecord.For(ImagingOptions.Default with { OutputSize = spec.InputSize }, []).CanonicalLine();

    /// <summary>Refuses (exit 2) an output that is a folder or cannot be created, by creating and removing the
    /// temporary file the atomic write will use.</summary>
    internal static void EnsureWritable(string? output)
    {
        if (string.IsNullOrWhiteSpace(output)) throw new UsageException("--out FILE is required (e.g. model.onnx)");
        if (Directory.Exists(output)) throw new UsageException($"--out {output} is a folder; give the file to write, e.g. {Path.Combine(output, "model.onnx")}");
        var full = Path.GetFullPath(output);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var probe = AtomicFile.TempPathFor(full);
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out {output}: cannot write there ({e.Message}); choose a writable path");
        }
    }

    /// <summary>The metadata `fairkd export` adds to the exporter's own: the ArcFace template for the input side, the
    /// preprocessing record and the weights' SHA-256 (no paths, so the same inputs give the same bytes anywhere).</summary>
    internal static List<KeyValuePair<string, string>> Metadata(Source source) =>
    [
        new("alignment_template", PreprocessingRecord.ArcFaceTemplateName),
        new("alignment_points", string.Join(',', TemplatePoints(source.Spec.InputSize).Select(p => p.ToString("F4", CultureInfo.InvariantCulture)))),
        new("alignment_landmarks", LandmarkOrder),
        new("preprocessing", source.Preprocessing),
        new("weights_sha256", ModelWeights.Sha256(source.Weights)),
    ];

    /// <summary>The ArcFace 5-point template (x, y interleaved) in input pixels: insightface's for sides it supports
    /// (multiples of 112 or 128), else the 112 template scaled to the side (a 112 crop resized).</summary>
    internal static double[] TemplatePoints(int side)
    {
        if (side % 112 == 0 || side % 128 == 0) return ArcFaceTemplate.ForSize(side);
        var scale = side / (double)ArcFaceTemplate.Size;
        return [.. ArcFaceTemplate.Points112.ToArray().Select(p => p * scale)];
    }
}
