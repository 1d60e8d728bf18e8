using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Train;
using FairKd.Stages.Embed;
using FairKd.Torch.Inference;
using FairKd.Torch.Losses;
using FairKd.Torch.Models;
using FairKd.Torch.Train;
using FairKd.Torch.Weights;

namespace FairKd.Stages.Train;

/// <summary>
/// `fairkd train` wired: samples and labels -> (optional) cache check -> <see cref="TrainDataPipeline"/> (FairKd.Data)
/// -> <see cref="Trainer"/> (FairKd.Torch), with the run folder's config guard, resume, exports and summary.
/// </summary>
internal sealed class TrainRun(TrainRequest req, IReadOnlyList<TrainSample> given, StageReporter reporter)
{
    /// <summary>The images trained on: all given, or those not held out by --val-split.</summary>
    private IReadOnlyList<TrainSample> samples = given;

    public const string SummaryFile = "train-summary.json";

    private int _threads;

    /// <summary>The files of a release folder a training run records in its provenance.</summary>
    private static readonly string[] ManifestFiles = ["samples.csv", "identities.csv", "card.json"];

    public async Task<TrainResult> RunAsync(CancellationToken ct)
    {
        // Every option was checked by TrainStage.Prepare; what follows needs the samples, the caches or the run folder.
        var (spec, kdOnly, kdMode, select) = (req.Spec, req.KdOnly, req.KdMode, req.Select);
        ValidationSplit? split = null;
        if (req.Options.ValSplit is { } share)
        {
            split = ValidationSplit.Create(samples, share, req.Options.Seed);
            samples = split.Train;
        }

        if (samples.Count == 0) throw new UsageException("no training images");
        ModelLoader.SetThreads(req.Options.Threads);
        _threads = ModelLoader.TorchThreads();
        var (label, classes) = Labels(kdOnly);
        var (weights, lossWeights) = LossWeights(kdOnly);
        using var targets = req.Options.Caches.Count > 0 ? new CacheTeacherTargets(req.Options.Caches, teacherWeights: req.KdWeights) : null;
        if (targets is not null) CheckCache(targets, spec);
        var (imaging, preprocessing) = Preprocessing(targets, spec);

        var config = new TrainRunConfig(ModelSpecText.Format(spec), req.Loss.ToLowerInvariant(), req.GroupTarget ? "group" : "identity", classes,
            targets is not null, targets is null ? null : req.Options.Kd, targets is null ? null : req.Options.KdLambda, req.Options.Caches.Select(Path.GetFullPath).ToList(),
            req.Options.Epochs, req.Options.BatchSize, req.Options.Lr, req.Milestones, req.Options.Seed, req.Flip, samples.Count, SamplesHash(),
            req.Options.InitWeights is null ? null : ModelWeights.Sha256(req.Options.InitWeights)) {
            Preprocessing = preprocessing, LossWeights = lossWeights,
            KdTeachers = targets?.Weights is { } w ? [.. targets.Describe().Select((t, i) => $"{w[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)} x {t}")] : null,
            Validation = split is null ? null : ValidationConfig.From(split),
            Select = select,
        };
        var options = new TrainerOptions
        {
            OutputDir = req.OutDir,
            BatchSize = req.Options.BatchSize,
            BaseLr = req.Options.Lr,
            Milestones = req.Milestones,
            Epochs = req.Options.Epochs,
            KdMode = kdMode,
            KdLambda = req.Options.KdLambda,
            Seed = req.Options.Seed,
            LogEvery = req.Options.LogEvery,
            Device = req.Options.Device,
            KeepCheckpoints = req.Options.KeepCheckpoints == 0 ? null : req.Options.KeepCheckpoints,
        };
        options.Validate();
        // Every option is checked: from here on the run folder is this run's alone (another run into it is refused).
        using var folder = RunFolder.Acquire(req.OutDir, "train");
        if (Guard(config)) return Completed();
        var provenance = Provenance(targets);
        config = config with { Provenance = TrainRunConfig.TryRead(req.OutDir)?.Provenance };

        Trainer.SeedTorch(req.Options.Seed);
        using var backbone = ModelRegistry.Create(spec);
        if (req.Options.InitWeights is not null) ModelWeights.Load(backbone, req.Options.InitWeights);
        using var header = kdOnly ? new KdOnlyHeader(spec.EmbeddingSize) : LossRegistry.Create(req.Loss, spec.EmbeddingSize, classes, new LossOptions(Seed: req.Options.Seed));
        using var trainer = new Trainer(backbone, header, options);
        var (startEpoch, startStep) = (0, 0);
        var data = new TrainDataOptions
        {
            BatchSize = req.Options.BatchSize, Epochs = req.Options.Epochs, Seed = req.Options.Seed, Flip = req.Flip, Workers = req.Options.Workers, MaxSteps = req.Options.MaxSteps,
            Imaging = imaging, Landmarks = req.Imaging.Landmarks,
        };
        var stepsPerEpoch = data.StepsPerEpoch(samples.Count);
        if (req.Options.Resume && CheckpointStore.FindLatest(trainer.CheckpointRoot) is { } latest)
        {
            trainer.Resume(latest);
            (startEpoch, startStep) = trainer.State.NextStep >= stepsPerEpoch ? (trainer.State.NextEpoch + 1, 0) : (trainer.State.NextEpoch, trainer.State.NextStep);
            reporter.Info($"train: resuming from {latest} at epoch {startEpoch} step {startStep}");
        }

        config.Write(req.OutDir);
        var validation = split is null ? null : new TrainValidation(split, spec, imaging, req.Imaging.Landmarks, req.Options.Workers, req.OutDir, reporter);
        if (validation is not null)
        {
            validation.WriteLists();
            reporter.Info($"train: validating every epoch on {split!.Identities.Count} held-out identities ({split.Images.Count} images, " +
                $"{split.GenuinePairs} genuine and {split.ImpostorPairs} impostor pairs); backbone.pth: {select ?? "last"}");
            if (trainer.LastCheckpoint is { } resumed && trainer.State.NextStep >= stepsPerEpoch && !validation.IsValidated(resumed))
            {
                using var log = new TrainLog(Path.Combine(req.OutDir, "train.jsonl"), null);
                log.Write(validation.Validate(resumed, trainer.State, ct));
            }

            trainer.OnCheckpoint = (folder, state) => state.NextStep >= stepsPerEpoch ? validation.Validate(folder, state, ct) : null;
        }

        var pipeline = new TrainDataPipeline(samples, label, targets, data with { StartEpoch = startEpoch, StartStep = startStep,
            MaxSteps = req.Options.MaxSteps is { } m ? Math.Max(1, m - trainer.State.GlobalStep) : null }, weights);
        var remaining = Math.Max(0, ((long)(req.Options.Epochs - startEpoch) * stepsPerEpoch) - startStep);
        if (req.Options.MaxSteps is { } max) remaining = Math.Min(remaining, Math.Max(0, max - trainer.State.GlobalStep));
        reporter.Info($"train: {spec.Name} ({ModelSpecText.Format(spec)}), {req.Loss}, {(targets is null ? "no KD" : targets.Weights is { } tw ? $"KD {req.Options.Kd} from {tw.Count} teachers weighted {string.Join(", ", tw.Select(x => x.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))}" : $"KD {req.Options.Kd} from {req.Options.Caches.Count} cache(s)")}, " +
            $"{samples.Count} images, {classes} classes, {stepsPerEpoch} steps/epoch x {req.Options.Epochs} epochs, batch {req.Options.BatchSize}");
        TrainSummary summary = null!;
        await reporter.TrackAsync("train", remaining, "steps", async advance =>
        {
            trainer.OnStep = _ => advance(1);
            using var runner = new PipelineRunner(ct);
            var batches = pipeline.Start(runner);
            var run = runner.RunAsync();
            try
            {
                summary = await trainer.RunAsync(batches, runner.Token);
            }
            catch
            {
                runner.Cancel();
                try
                {
                    await run;
                }
                catch (Exception e) when (e is OperationCanceledException or PipelineStageException)
                {
                    // the trainer's own exception is the one to report
                }

                throw;
            }

            await run;
        });

        Export(trainer, backbone, header, spec);
        var selected = Selection(trainer, validation, select);
        WriteSummary(summary, pipeline, trainer.State.GlobalStep >= (long)req.Options.Epochs * stepsPerEpoch);
        provenance.Count("samples", samples.Count).Count("steps", summary.Steps).Count("imagesSeen", summary.Images)
            .Count("imagesRejected", pipeline.Rejects.Count);
        foreach (var r in pipeline.Rejects) provenance.Reason(r.Reason);
        var session = provenance.Finish(summary.Images, "images");
        config = config with { Provenance = [.. config.Provenance ?? [], session], Selected = selected };
        config.Write(req.OutDir);
        reporter.Info($"provenance: {session.Summary()}");
        reporter.Info($"train: {summary.Steps} steps, last loss {summary.LastLoss:F4}, {summary.ImagesPerSecond:F1} img/s, " +
            $"data wait {100 * summary.DataWaitShare:F1}% of {summary.WallSeconds:F1} s; weights in {Path.Combine(req.OutDir, PipelineFiles.Backbone)}");
        if (pipeline.Rejects.Count > 0)
            reporter.Warn($"{pipeline.Rejects.Count} images could not be decoded and were left out (first: {pipeline.Rejects.First().Key}: {pipeline.Rejects.First().Reason})");
        return new TrainResult(summary.Steps, summary.Images, float.IsFinite(summary.LastLoss) ? summary.LastLoss : null, req.OutDir, false, selected.Checkpoint);
    }

    /// <summary>
    /// Applies --select: <c>best-val</c> replaces backbone.pth by the best validated checkpoint's backbone (from its checkpoint
    /// folder, or validation/best-backbone.pth when pruned; its SHA-256 must be the one validated); <c>last</c> keeps the
    /// weights training ended with. Returns model.json's record of it.
    /// </summary>
    private SelectedWeights Selection(Trainer trainer, TrainValidation? validation, string? select)
    {
        var last = trainer.LastCheckpoint is { } lc ? Path.GetFileName(lc) : null;
        var lastResult = validation?.Results().FirstOrDefault(r => r.Checkpoint == last);
        if (select is null)
            return new SelectedWeights("last", last, trainer.State.NextEpoch, trainer.State.GlobalStep, lastResult?.Accuracy);
        if (validation!.Best() is not { } best)
        {
            reporter.Warn("--select best-val: no epoch has ended yet, so none was validated; backbone.pth holds the weights training stopped with");
            return new SelectedWeights("best-val", last, trainer.State.NextEpoch, trainer.State.GlobalStep, null,
                "no epoch was validated yet (training stopped before the first epoch ended): the weights training stopped with");
        }

        var inCheckpoint = Path.Combine(trainer.CheckpointRoot, best.Checkpoint, CheckpointStore.Backbone);
        var source = File.Exists(inCheckpoint) ? inCheckpoint : Path.Combine(req.OutDir, TrainValidation.Folder, TrainValidation.BestWeights);
        if (!File.Exists(source) || FileHash.Sha256(source) != best.WeightsSha256)
            throw new InvalidOperationException($"--select best-val: the weights of {best.Checkpoint} (sha256 {best.WeightsSha256}) are neither in its checkpoint folder nor in {source}");
        AtomicFile.WriteAllBytes(Path.Combine(req.OutDir, PipelineFiles.Backbone), File.ReadAllBytes(source));
        reporter.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"train: backbone.pth holds {best.Checkpoint} (epoch {best.Epoch}), the best validation accuracy {100 * best.Accuracy:F2} % (--select best-val)"));
        return new SelectedWeights("best-val", best.Checkpoint, best.Epoch, best.GlobalStep, best.Accuracy);
    }

    /// <summary>Starts this session's provenance with every input: the manifest's files, image roots, caches' indexes,
    /// landmark files and initial weights.</summary>
    private ProvenanceRecorder Provenance(CacheTeacherTargets? targets)
    {
        var p = ProvenanceRecorder.Start("train", _threads);
        if (req.Options.Manifest is { } m)
        {
            foreach (var f in ManifestFiles.Select(f => Path.Combine(m, f)).Where(File.Exists))
                p.AddFile($"manifest:{Path.GetFileName(f)}", f);
        }

        foreach (var (name, root) in req.ImageRoots) p.AddFolder($"images:{name}", root);
        foreach (var c in targets is null ? [] : req.Options.Caches) p.AddFile("cache", Path.Combine(c, Data.Cache.CacheIndex.FileName));
        foreach (var (name, file) in req.Imaging.LandmarkFiles.OrderBy(kv => kv.Key, StringComparer.Ordinal)) p.AddFile($"landmarks:{name}", file);
        if (req.Options.InitWeights is { } w) p.AddFile("init-weights", w);
        return p;
    }

    private (Func<TrainSample, long> Label, int Classes) Labels(bool kdOnly)
    {
        if (req.GroupTarget)
        {
            var without = samples.Where(s => EthnicGroups.IndexOf(s.Group) < 0).ToList();
            if (without.Count > 0)
                throw new UsageException($"--target group: {without.Count} images have no group (first: {without[0].Key}); use a group/identity/image layout or a manifest with groups");
            return (s => EthnicGroups.IndexOf(s.Group), EthnicGroups.Order.Length);
        }

        if (kdOnly) return (_ => -1, 1);
        var labelled = samples.Where(s => s.Identity.Length > 0).ToList();
        if (labelled.Count == 0)
            throw new UsageException("no training image has an identity label (flat datasets only): use --loss none with --cache for KD-only training");
        var classes = TrainSampleSources.IdentityClasses(labelled);
        return (s => s.Identity.Length == 0 ? -1 : classes[s.Identity], classes.Count);
    }

    /// <summary>
    /// The margin-loss and KD weight of each image, from --loss-weight NAME=MARGIN,KD per dataset; by default 1 and 1
    /// for labelled images and 0 and 1 for unlabelled (flat) ones, 0 and 1 for every image with --loss none. Returns
    /// null and no record when every image is labelled and every weight is 1 (the study's loss, computed as before).
    /// </summary>
    private (Func<TrainSample, (float Margin, float Kd)>? Weights, List<DatasetLossWeights>? Record) LossWeights(bool kdOnly)
    {
        var kd = req.Options.Caches.Count > 0;
        var datasets = samples.GroupBy(s => s.Dataset, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Images: g.Count(), Unlabelled: g.Count(s => s.Identity.Length == 0)), StringComparer.Ordinal);
        var given = new Dictionary<string, (double Margin, double Kd)>(StringComparer.Ordinal);
        foreach (var entry in req.Options.LossWeights)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var parts = eq < 0 ? [] : entry[(eq + 1)..].Split(',');
            var ci = System.Globalization.CultureInfo.InvariantCulture;
            if (eq <= 0 || parts.Length != 2 || !double.TryParse(parts[0], ci, out var m) || !double.TryParse(parts[1], ci, out var k) ||
                !double.IsFinite(m) || !double.IsFinite(k) || m < 0 || k < 0)
                throw new UsageException($"--loss-weight {entry}: expected NAME=MARGIN,KD with two numbers >= 0 (e.g. synth=0,1)");
            var name = entry[..eq];
            if (!datasets.TryGetValue(name, out var d))
                throw new UsageException($"--loss-weight {entry}: no training dataset is called {name} (datasets: {string.Join(", ", datasets.Keys.Order(StringComparer.Ordinal))})");
            if (m > 0 && kdOnly) throw new UsageException($"--loss-weight {entry}: --loss none has no margin term; give {name}=0,{parts[1]}");
            if (m > 0 && d.Unlabelled > 0) throw new UsageException($"--loss-weight {entry}: {d.Unlabelled} images of {name} have no identity label, so they cannot carry the margin loss; give {name}=0,{parts[1]}");
            if (k > 0 && !kd) throw new UsageException($"--loss-weight {entry}: a KD weight needs the teacher's --cache DIR");
            if (!given.TryAdd(name, (m, k))) throw new UsageException($"--loss-weight {name} is given twice");
        }

        var record = datasets.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d =>
        {
            var (m, k) = given.TryGetValue(d.Key, out var w) ? w : (kdOnly || d.Value.Unlabelled > 0 ? 0.0 : 1.0, kd ? 1.0 : 0.0);
            return new DatasetLossWeights(d.Key, d.Value.Images, d.Value.Unlabelled, m, k);
        }).ToList();
        foreach (var r in record.Where(r => r.Margin == 0 && r.Kd == 0))
            throw new UsageException($"the {r.Images} images of {r.Dataset} would carry no loss (margin weight 0{(kd ? ", KD weight 0" : ", no --cache")}): " +
                (r.Unlabelled > 0 ? "unlabelled images train by KD only, give --cache DIR" : "give it a weight or leave it out"));
        if (!kdOnly && record.All(r => r.Unlabelled == 0 && r.Margin == 1 && (!kd || r.Kd == 1))) return (null, null);
        var byName = record.ToDictionary(r => r.Dataset, r => ((float)r.Margin, (float)r.Kd), StringComparer.Ordinal);
        return (s => byName[s.Dataset], record);
    }

    private void CheckCache(CacheTeacherTargets targets, ModelSpec spec)
    {
        if (targets.Width != spec.EmbeddingSize)
            throw new UsageException($"the cache holds {targets.Width}-d teacher embeddings, the student {ModelSpecText.Format(spec)} embeds {spec.EmbeddingSize}-d");
        var missing = TrainDataPipeline.MissingFromCache(samples, targets);
        if (missing.Count > 0)
            throw new UsageException($"{missing.Count} of {samples.Count} training images are not in the cache (first: {string.Join(", ", missing.Take(3))}); embed them first or fix the manifest");
    }

    /// <summary>
    /// The imaging options of the run: with caches, what they record (a contradicting --unaligned or --landmarks is
    /// refused, <see cref="TrainPreprocessing"/>); without, the defaults with --unaligned. Also returns the run
    /// config's record of them (null for the defaults, so runs started before it was recorded still resume).
    /// </summary>
    private (Data.Imaging.ImagingOptions Imaging, string? Record) Preprocessing(CacheTeacherTargets? targets, ModelSpec spec)
    {
        var landmarks = req.Imaging.Sources();
        var uses = targets is null ? [] : TrainPreprocessing.UsesOf(targets, samples);
        var resolved = TrainPreprocessing.Resolve(uses, req.Imaging.UnalignedGiven, landmarks);
        foreach (var w in resolved.Warnings) reporter.Warn($"{w}");
        var imaging = resolved.Imaging;
        if (spec.InputSize != imaging.OutputSize)
            throw new UsageException($"the student {ModelSpecText.Format(spec)} takes {spec.InputSize}x{spec.InputSize} inputs, the training images are aligned to " +
                $"{imaging.OutputSize}x{imaging.OutputSize}{(uses.Count > 0 ? " (as the cache records)" : "")}");
        var record = Data.Imaging.PreprocessingRecord.For(imaging, landmarks).CanonicalLine();
        var standard = Data.Imaging.PreprocessingRecord.For(Data.Imaging.ImagingOptions.Default, []).CanonicalLine();
        return (imaging, record == standard ? null : record);
    }

    /// <summary>Refuses a folder holding another run; returns true for a finished identical run (no-op), false to go on.</summary>
    private bool Guard(TrainRunConfig config)
    {
        var existing = Directory.Exists(req.OutDir) ? TrainRunConfig.TryRead(req.OutDir) : null;
        var hasCheckpoints = CheckpointStore.FindLatest(Path.Combine(req.OutDir, "checkpoints")) is not null;
        if (existing is null)
        {
            if (hasCheckpoints) throw new UsageException($"{req.OutDir} holds checkpoints but no {TrainRunConfig.FileName}: choose another --out");
            return false;
        }

        if (!existing.SameAs(config))
            throw new UsageException($"{req.OutDir} holds a run with another configuration ({TrainRunConfig.FileName} differs): choose another --out or remove it");
        if (IsComplete() && req.Options.MaxSteps is null)
        {
            reporter.Info($"train: {req.OutDir} is complete ({SummaryFile}); nothing to do");
            return true;
        }

        if (hasCheckpoints && !req.Options.Resume)
            throw new UsageException($"{req.OutDir} holds checkpoints of this run: add --resume to continue it");
        return false;
    }

    private bool IsComplete()
    {
        var path = Path.Combine(req.OutDir, SummaryFile);
        if (!File.Exists(path)) return false;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.TryGetProperty("complete", out var c) && c.ValueKind == JsonValueKind.True;
    }

    /// <summary>The result of a run folder found complete: train-summary.json's numbers (the session that completed it) and
    /// model.json's selected checkpoint.</summary>
    private TrainResult Completed()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(req.OutDir, SummaryFile)));
        var s = doc.RootElement;
        long Count(string name) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        double? lastLoss = s.TryGetProperty("lastLoss", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetSingle() : null;
        return new TrainResult(Count("steps"), Count("images"), lastLoss, req.OutDir, true, TrainRunConfig.TryRead(req.OutDir)?.Selected?.Checkpoint);
    }

    private void Export(Trainer trainer, FaceBackbone backbone, MarginHeader header, ModelSpec spec)
    {
        trainer.ExportBackbone(Path.Combine(req.OutDir, PipelineFiles.Backbone));
        if (!req.GroupTarget) return;
        if (header is not SoftmaxHeader softmax) throw new UsageException("--target group trains with --loss softmax");
        using var net = new EthnicityNet(spec);
        net.SetFrom(backbone, softmax);
        ModelWeights.SavePyTorch(net, Path.Combine(req.OutDir, PipelineFiles.Classifier));
    }

    private void WriteSummary(TrainSummary s, TrainDataPipeline pipeline, bool complete)
    {
        var json = JsonSerializer.Serialize(new
        {
            schemaVersion = 1,
            complete,
            steps = s.Steps,
            images = s.Images,
            lastLoss = float.IsFinite(s.LastLoss) ? s.LastLoss : (float?)null,
            wallSeconds = Math.Round(s.WallSeconds, 2),
            imagesPerSecond = Math.Round(s.ImagesPerSecond, 2),
            dataWaitShare = Math.Round(s.DataWaitShare, 4),
            rejectedImages = pipeline.Rejects.Count,
            checkpoint = s.LastCheckpoint,
        }, TrainRunConfig.Json);
        AtomicFile.WriteAllText(Path.Combine(req.OutDir, SummaryFile), json + "\n");
        if (pipeline.Rejects.Count > 0)
            Csv.WriteFile(Path.Combine(req.OutDir, "rejects.csv"), ["key", "stage", "reason"], pipeline.Rejects.Select(r => new string?[] { r.Key, r.Stage, r.Reason }));
    }

    private string SamplesHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var s in samples) sha.AppendData(Encoding.UTF8.GetBytes($"{s.Key}\n{s.Identity}\n{s.Group}\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>File names of a training run folder that other stages read.</summary>
internal static class PipelineFiles
{
    public const string Backbone = Run.PipelinePlanner.BackboneFile;
    public const string Classifier = Run.PipelinePlanner.ClassifierFile;
}
