using System.Globalization;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Data.Train;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;

namespace FairKd.Stages.Train;

/// <summary>What a train run did (or, for a run folder that was already complete, what the session that completed it did).</summary>
/// <param name="Steps">Training steps of this session.</param>
/// <param name="Images">Images trained on in this session.</param>
/// <param name="LastLoss">The loss of the last step (null when it was not finite or no step ran).</param>
/// <param name="RunFolder">The run folder (<see cref="TrainOptions.OutDir"/>).</param>
/// <param name="AlreadyComplete">The folder held this run, complete: nothing was trained (the numbers are those of
/// train-summary.json).</param>
/// <param name="SelectedCheckpoint">The checkpoint folder whose weights backbone.pth holds (model.json <c>selected</c>),
/// or null when they are the weights training stopped with and no checkpoint holds them.</param>
public sealed record TrainResult(long Steps, long Images, double? LastLoss, string RunFolder, bool AlreadyComplete, string? SelectedCheckpoint);

/// <summary>
/// The train stage: samples from a release (--manifest with --data-root) or dataset folders, images decoded and aligned as
/// embed does, a backbone trained with a margin loss and optionally distilled from cached teacher embeddings, with the run
/// folder's config guard, resume, checkpoints, validation and exports (<see cref="TrainRun"/>). `fairkd train` is parse ->
/// <see cref="TrainOptions"/> -> this -> exit code. <see cref="Prepare"/> parses and checks the options and lists the
/// samples before anything is written or any model loads.
/// </summary>
public sealed class TrainStage
{
    private readonly TrainRequest _request;
    private readonly IReadOnlyList<TrainSample> _samples;
    private readonly StageReporter _reporter;

    private TrainStage(TrainRequest request, IReadOnlyList<TrainSample> samples, StageReporter reporter)
    {
        _request = request;
        _samples = samples;
        _reporter = reporter;
    }

    /// <summary>
    /// Checks every option of <paramref name="options"/> (model, target, loss, --kd, --select with --val-split, --keep-checkpoints,
    /// --init-weights, --kd-weights, milestones), then lists the samples and parses --landmarks and --unaligned, reporting
    /// malformed landmark lines as warnings; throws <see cref="UsageException"/> naming the option to fix. Nothing is written. The checks that need the caches or the run folder follow in <see cref="RunAsync(CancellationToken)"/>,
    /// still before any model loads.
    /// </summary>
    public static TrainStage Prepare(TrainOptions options, StageReporter? reporter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        reporter ??= StageReporter.Silent;
        if (string.IsNullOrWhiteSpace(options.OutDir)) throw new UsageException("--out DIR is required");
        if (string.IsNullOrWhiteSpace(options.Model)) throw new UsageException("--model SPEC is required (e.g. iresnet34 or mobilefacenet:width=0.25)");
        var group = options.Target switch
        {
            "identity" => false,
            "group" => true,
            _ => throw new UsageException($"--target {options.Target}: use identity or group"),
        };
        var spec = ModelSpecText.Parse(options.Model, "--model");
        var loss = options.Loss ?? (group ? "softmax" : "adaface");
        var kdOnly = loss.Equals(KdOnlyHeader.LossName, StringComparison.OrdinalIgnoreCase);
        if (!kdOnly && !LossRegistry.Names.Contains(loss.ToLowerInvariant()))
            throw new UsageException($"--loss {loss}: use one of {string.Join(", ", LossRegistry.Names)}, or {KdOnlyHeader.LossName} (KD only, with --cache)");
        if (kdOnly && options.Caches.Count == 0) throw new UsageException("--loss none trains by distillation alone: give the teacher's --cache DIR");
        if (kdOnly && group) throw new UsageException("--target group trains the ethnicity classifier with --loss softmax, not --loss none");
        var kdMode = options.Kd switch
        {
            "mse" => KdMode.Mse,
            "cosine" => KdMode.Cosine,
            _ => throw new UsageException($"--kd {options.Kd}: use mse or cosine"),
        };
        var select = options.Select switch
        {
            "last" => null,
            "best-val" => "best-val",
            _ => throw new UsageException($"--select {options.Select}: use last or best-val"),
        };
        if (select is not null && options.ValSplit is null)
            throw new UsageException("--select best-val picks the epoch with the best validation accuracy: give --val-split P (e.g. 0.1) too");
        if (options.ValSplit is not null && group)
            throw new UsageException("--val-split validates face verification on held-out identities; --target group (the ethnicity classifier) has no such pairs");
        if (options.KeepCheckpoints < 0) throw new UsageException("--keep-checkpoints must be >= 0");
        if (options.InitWeights is not null && !File.Exists(options.InitWeights)) throw new UsageException($"--init-weights {options.InitWeights}: file not found");
        var kdWeights = ParseKdWeights(options.KdWeights);
        if (kdWeights is not null && options.Caches.Count < 2) throw new UsageException("--kd-weights weighs several teachers: give two or more --cache folders, one weight each");
        var milestones = ParseMilestones(options.Milestones);
        var samples = ListSamples(options.Manifest, options.DataRoots, options.Datasets, ct);
        var report = new ReaderReport();
        var imaging = ImagingInputs.Parse([.. options.LandmarkFiles], options.Unaligned, samples.Select(s => s.Dataset).ToHashSet(StringComparer.Ordinal), report);
        foreach (var m in report.Malformed.Take(3)) reporter.Warn($"{m}");
        var request = new TrainRequest
        {
            Options = options,
            Spec = spec,
            Loss = loss,
            KdOnly = kdOnly,
            KdMode = kdMode,
            Select = select,
            GroupTarget = group,
            KdWeights = kdWeights,
            Milestones = milestones,
            Imaging = imaging,
            ImageRoots = ImageRoots(options.DataRoots, options.Datasets),
        };
        return new TrainStage(request, samples, reporter);
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(CancellationToken)"/>.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="reporter">Where lines, warnings and progress go (null: nowhere).</param>
    /// <param name="ct">Cancels the run; training stops with a checkpoint (resume continues it).</param>
    public static Task<TrainResult> RunAsync(TrainOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options, reporter, ct).RunAsync(ct);

    /// <summary>Trains (or finds the run folder complete and does nothing) and returns what the run did.</summary>
    public Task<TrainResult> RunAsync(CancellationToken ct) => new TrainRun(_request, _samples, _reporter).RunAsync(ct);

    /// <summary>The --kd-weights list (null when absent); each a finite number (the targets check count, sign and sum).</summary>
    private static List<double>? ParseKdWeights(string? text)
    {
        if (text is null) return null;
        var weights = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) || !double.IsFinite(w))
                throw new UsageException($"--kd-weights {text}: '{part}' is not a number; give one weight per --cache, e.g. 0.5,0.5");
            weights.Add(w);
        }

        return weights;
    }

    /// <summary>NAME=PATH of every --data-root and --dataset (already validated by <see cref="ListSamples"/>).</summary>
    private static List<KeyValuePair<string, string>> ImageRoots(IReadOnlyList<string> roots, IReadOnlyList<string> datasets) =>
    [
        .. roots.Select(r => NamedPath.Parse(r, "--data-root", NamedPathKind.Directory)).Select(p => KeyValuePair.Create(p.Name, p.Path)),
        .. datasets.Select(d => DatasetSpec.Parse(d)).Select(d => KeyValuePair.Create(d.Name, d.Root)),
    ];

    private static IReadOnlyList<TrainSample> ListSamples(string? manifest, IReadOnlyList<string> roots, IReadOnlyList<string> datasets, CancellationToken ct)
    {
        if (manifest is not null == datasets.Count > 0)
            throw new UsageException("give either --manifest DIR (with --data-root NAME=PATH per dataset) or --dataset NAME=PATH[:layout]");
        if (manifest is not null)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var r in roots)
            {
                var p = NamedPath.Parse(r, "--data-root", NamedPathKind.Directory);
                if (!map.TryAdd(p.Name, p.Path)) throw new UsageException($"--data-root {p.Name} is given twice");
            }

            return TrainSampleSources.FromRelease(manifest, map);
        }

        if (roots.Count > 0) throw new UsageException("--data-root goes with --manifest");
        var report = new ReaderReport();
        var readers = datasets.Select(d => (ISampleReader)new ImageFolderReader(DatasetSpec.Parse(d), report)).ToList();
        DatasetName.EnsureUnique(readers.Select(r => r.Dataset), "--dataset");
        return TrainSampleSources.FromReaders(readers, ct);
    }

    private static List<int> ParseMilestones(string text)
    {
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, CultureInfo.InvariantCulture, out var m) || m < 1)
                throw new UsageException($"--milestones {text}: '{part}' is not a positive epoch number");
            list.Add(m);
        }

        return list;
    }
}
