using System.Diagnostics;
using System.Threading.Channels;
using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Torch.Interop;
using FairKd.Torch.Losses;
using FairKd.Torch.Runtime;
using FairKd.Torch.Weights;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace FairKd.Torch.Train;

/// <summary>
/// Trains a backbone and a margin header from a stream of <see cref="TrainBatch"/>es: per step the raw embedding,
/// its L2-normalised form f, the margin loss CE(header(f, norms, y), y), plus the distillation term on f when the batch
/// has teacher targets; backward, backbone-only gradient clipping, SGD step, all inside a dispose scope.
/// The lr of a batch is the group's initial lr times <see cref="StudySchedule.Factor"/> of the batch's epoch.
/// A checkpoint is written when a batch of a later epoch arrives, when the stream ends and on cancellation (not after
/// divergence). Create it, optionally <see cref="Resume"/>, then <see cref="RunAsync(IAsyncEnumerable{TrainBatch}, CancellationToken)"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> backbone;
    private readonly MarginHeader header;
    private readonly GcSafeSgd optimizer;
    private readonly StudySchedule schedule;
    private readonly Device device;
    private readonly string checkpointRoot;
    private int schedulerEpoch = -1;

    /// <summary>Moves the modules to the device, seeds torch's global generator and builds the optimiser.</summary>
    public Trainer(nn.Module<Tensor, Tensor> backbone, MarginHeader header, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        this.header = header ?? throw new ArgumentNullException(nameof(header));
        Options = options;
        device = TorchBackendInfo.ParseDevice(options.Device);
        backbone.to(device);
        header.to(device);
        ConvolutionPolicy = OneDnnIsa.UseForTraining(backbone);
        TensorMemory.RetainFreedMemory(); // every step re-allocates the previous step's memory: keep it instead of re-faulting it
        SeedTorch(options.Seed);
        optimizer = OptimizerSetup.Create(backbone, header, options);
        schedule = new StudySchedule(options.Milestones);
        checkpointRoot = Path.Combine(options.OutputDir, "checkpoints");
        State = new CheckpointState { Seed = options.Seed, HeaderName = header.GetName(), BackboneParameterCount = ParameterCount(backbone) };
    }

    /// <summary>Seeds torch's global generators (CPU and CUDA). Call it before building the backbone so its initialisation is reproducible.</summary>
    public static void SeedTorch(long seed)
    {
        random.manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
    }

    /// <summary>Whether oneDNN or ATen computes the backbone's convolutions, and why (<see cref="OneDnnIsa.UseForTraining"/>).</summary>
    public string ConvolutionPolicy { get; }

    /// <summary>The run's settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The folder holding the checkpoint folders (OutputDir/checkpoints); see <see cref="CheckpointStore.FindLatest"/>.</summary>
    public string CheckpointRoot => checkpointRoot;

    /// <summary>Wall time of the phases of the last completed <see cref="Step"/> (the training-step benchmark's split); null before the first.</summary>
    public StepPhases? LastStepPhases { get; private set; }

    /// <summary>The optimiser (group 0 backbone, group 1 header).</summary>
    public GcSafeSgd Optimizer => optimizer;

    /// <summary>Position and counters; (NextEpoch, NextStep) is the next batch to train.</summary>
    public CheckpointState State { get; private set; }

    /// <summary>The newest checkpoint written or resumed from.</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>Called after every step (tests and progress displays).</summary>
    public Action<StepMetrics>? OnStep { get; set; }

    /// <summary>
    /// Called after each checkpoint written at an epoch boundary or when the batch stream ends (not after cancellation or
    /// a failure), with the checkpoint folder and the state it holds; a record it returns is appended to train.jsonl.
    /// `fairkd train --val-split` validates the checkpoint here.
    /// </summary>
    public Func<string, CheckpointState, ValidationLogRecord?>? OnCheckpoint { get; set; }

    /// <summary>Loads a checkpoint folder (model, header, optimiser, RNG states, position); the next batch to train is (State.NextEpoch, State.NextStep).</summary>
    public void Resume(string checkpointFolder)
    {
        var state = CheckpointStore.ReadState(checkpointFolder);
        if (state.HeaderName != header.GetName() || state.BackboneParameterCount != ParameterCount(backbone))
            throw new UsageException($"{checkpointFolder} holds {state.HeaderName} with a {state.BackboneParameterCount}-parameter backbone; this run has {header.GetName()} with {ParameterCount(backbone)}");
        backbone.load_py(Path.Combine(checkpointFolder, CheckpointStore.Backbone));
        header.load_py(Path.Combine(checkpointFolder, CheckpointStore.Header));
        optimizer.load_py(Path.Combine(checkpointFolder, CheckpointStore.Optimizer));
        for (var i = 0; i < state.SchedulerBaseLrs.Length && i < optimizer.ParamGroups.Count(); i++)
            optimizer.ParamGroups.ElementAt(i).InitialLearningRate = state.SchedulerBaseLrs[i];
        using (var rng = tensor(state.TorchRngState, ScalarType.Byte)) random.set_rng_state(rng);
        if (header is IStochasticHeader stochastic && state.HeaderRngState is { } h) stochastic.Random.State = h;
        schedulerEpoch = -1;
        State = state;
        LastCheckpoint = checkpointFolder;
    }

    /// <summary>Trains on every batch the reader yields.</summary>
    public Task<TrainSummary> RunAsync(ChannelReader<TrainBatch> reader, CancellationToken cancellationToken = default) =>
        RunAsync(reader.ReadAllAsync(cancellationToken), cancellationToken);

    /// <summary>
    /// Trains on every batch of <paramref name="batches"/> at or after the resume position (earlier ones are skipped).
    /// Throws <see cref="TrainingDivergedException"/> on a NaN/Inf loss (no checkpoint written). When cancelled, or when
    /// the batch source throws, it writes a checkpoint of the steps done so far and rethrows.
    /// </summary>
    public async Task<TrainSummary> RunAsync(IAsyncEnumerable<TrainBatch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        Directory.CreateDirectory(Options.OutputDir);
        HostRecord.Current(ConvolutionPolicy).Write(Options.OutputDir);
        using var log = new TrainLog(Path.Combine(Options.OutputDir, "train.jsonl"), Options.TensorBoard ? Path.Combine(Options.OutputDir, "tensorboard") : null);
        var window = new LogWindow(Options.LogEvery);
        var wall = Stopwatch.StartNew();
        var waitTicks = 0L;
        long steps = 0, skipped = 0, images = 0;
        var lastLoss = float.NaN;
        var dirty = false;
        var inStep = false;
        await using var e = batches.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                var more = await e.MoveNextAsync();
                var waited = Stopwatch.GetTimestamp() - t0;
                waitTicks += waited;
                window.AddWait(waited);
                if (!more) break;
                cancellationToken.ThrowIfCancellationRequested();
                var batch = e.Current;
                if (batch.Epoch < State.NextEpoch || (batch.Epoch == State.NextEpoch && batch.Step < State.NextStep))
                {
                    skipped++;
                    continue;
                }

                if (dirty && batch.Epoch > State.NextEpoch) Checkpoint(log);
                inStep = true;
                var m = Step(batch);
                inStep = false;
                dirty = true;
                steps++;
                images += batch.Count;
                lastLoss = m.Loss;
                OnStep?.Invoke(m);
                if (window.Add(m) is { } record) log.Write(record);
            }
        }
        catch (Exception) when (!inStep && dirty)
        {
            // cancelled or the batch source failed between steps: the model is consistent, keep the progress
            SaveCheckpoint();
            throw;
        }

        if (window.Flush() is { } last) log.Write(last);
        if (dirty) Checkpoint(log);
        return new TrainSummary(steps, skipped, wall.Elapsed.TotalSeconds, (double)waitTicks / Stopwatch.Frequency, images, lastLoss, LastCheckpoint);
    }

    /// <summary>One optimiser step on <paramref name="batch"/>; advances the position to the step after it.</summary>
    public StepMetrics Step(TrainBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Problem() is { } problem) throw new ArgumentException($"batch epoch {batch.Epoch} step {batch.Step}: {problem}");
        if (batch.Epoch >= Options.Epochs) throw new InvalidOperationException($"batch of epoch {batch.Epoch}, but the run has {Options.Epochs} epochs (0..{Options.Epochs - 1})");
        ApplySchedule(batch.Epoch);
        backbone.train();
        header.train();
        using var scope = NewDisposeScope();
        using var snapshot = new StepSnapshot(header);
        var n = batch.Count;
        var t0 = Stopwatch.GetTimestamp();
        var (loss, marginLoss, kd) = Forward(batch);
        var lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue)) throw Diverged(batch, $"loss is {lossValue}", Replay(batch, snapshot, lossValue, gradients: false));
        var t1 = Stopwatch.GetTimestamp();
        optimizer.zero_grad();
        loss.backward();
        var t2 = Stopwatch.GetTimestamp();
        var gradNorm = GradNorm();
        if (!double.IsFinite(gradNorm)) throw Diverged(batch, $"backbone gradient norm is {gradNorm}", Replay(batch, snapshot, gradNorm, gradients: true));
        var t3 = Stopwatch.GetTimestamp();
        optimizer.step();
        LastStepPhases = new StepPhases(Stopwatch.GetElapsedTime(t0, t1), Stopwatch.GetElapsedTime(t1, t2), Stopwatch.GetElapsedTime(t2, t3), Stopwatch.GetElapsedTime(t3));
        State.NextEpoch = batch.Epoch;
        State.NextStep = batch.Step + 1;
        State.GlobalStep++;
        State.ImagesSeen += n;
        return new StepMetrics(batch.Epoch, batch.Step, State.GlobalStep, n, lossValue, marginLoss.item<float>(),
            kd?.item<float>() ?? 0f, OptimizerSetup.CurrentLr(optimizer), gradNorm, batch.Flipped.Count(b => b));
    }

    /// <summary>Writes a checkpoint of the current state now and returns its folder.</summary>
    public string SaveCheckpoint()
    {
        using (var rng = random.get_rng_state()) State.TorchRngState = rng.data<byte>().ToArray();
        State.HeaderRngState = (header as IStochasticHeader)?.Random.State;
        State.SchedulerEpoch = schedulerEpoch;
        State.SchedulerBaseLrs = optimizer.ParamGroups.Select(g => g.InitialLearningRate).ToArray();
        State.Milestones = [.. Options.Milestones];
        LastCheckpoint = CheckpointStore.Save(checkpointRoot, backbone, header, optimizer, State);
        if (Options.KeepCheckpoints is { } keep) CheckpointStore.Prune(checkpointRoot, keep);
        return LastCheckpoint;
    }

    private void Checkpoint(TrainLog log)
    {
        var folder = SaveCheckpoint();
        if (OnCheckpoint?.Invoke(folder, State) is { } record) log.Write(record);
    }

    /// <summary>Saves the backbone alone as a PyTorch state_dict (.pth) that loads with strict=True (atomically; same weights, same bytes).</summary>
    public void ExportBackbone(string path) => ModelWeights.SavePyTorch(backbone, path);

    /// <inheritdoc />
    public void Dispose() => optimizer.Dispose();

    private void ApplySchedule(int epoch)
    {
        if (epoch == schedulerEpoch) return;
        OptimizerSetup.SetFactor(optimizer, schedule.Factor(epoch));
        schedulerEpoch = epoch;
    }

    private (Tensor Loss, Tensor Margin, Tensor? Kd) Forward(TrainBatch batch)
    {
        var n = batch.Count;
        var x = tensor(batch.Images, [n, 3, batch.Size, batch.Size], device: device);
        var y = tensor(batch.Labels, device: device);
        var raw = backbone.call(x);
        var f = nn.functional.normalize(raw, 2.0, 1, 1e-12);
        var marginLoss = header is KdOnlyHeader ? zeros([], device: device)
            : batch.MarginWeights is { } mw ? WeightedMargin(raw, f, y, mw)
            : nn.functional.cross_entropy(header.call(f, header.InputNorms(raw, f), y), y);
        if (batch.TeacherTargets is not { } targets)
        {
            if (header is KdOnlyHeader) throw new ArgumentException($"batch epoch {batch.Epoch} step {batch.Step}: a KD-only run (--loss none) needs teacher targets");
            return (marginLoss, marginLoss, null);
        }

        if (batch.TargetWidth != f.shape[1])
            throw new ArgumentException($"batch epoch {batch.Epoch} step {batch.Step}: teacher targets are {batch.TargetWidth}-d, the student embeds {f.shape[1]}-d");
        var teacher = tensor(targets, [n, batch.TargetWidth], device: device);
        var kd = batch.KdWeights is { } kw
            ? WeightedMean(DistillationLoss.PerRow(teacher, f, Options.KdMode, Options.EffectiveKdLambda), kw)
            : DistillationLoss.Compute(teacher, f, Options.KdMode, Options.EffectiveKdLambda);
        return (marginLoss.add(kd, Scalars.One), marginLoss, kd);
    }

    /// <summary>
    /// The margin term when images carry weights: cross-entropy of the rows with weight &gt; 0 only (the header sees just
    /// those rows; unlabelled faces have weight 0), <c>sum_i w_i CE_i / #rows</c>; zero when no row is labelled.
    /// </summary>
    private Tensor WeightedMargin(Tensor raw, Tensor f, Tensor y, float[] weights)
    {
        var rows = Enumerable.Range(0, weights.Length).Where(i => weights[i] > 0).Select(i => (long)i).ToArray();
        if (rows.Length == 0) return zeros([], device: device);
        var idx = tensor(rows, device: device);
        var fs = f.index_select(0, idx);
        var ys = y.index_select(0, idx);
        var ce = nn.functional.cross_entropy(header.call(fs, header.InputNorms(raw.index_select(0, idx), fs), ys), ys, reduction: nn.Reduction.None);
        return WeightedMean(ce, [.. rows.Select(i => weights[i])]);
    }

    /// <summary><c>sum_i w_i v_i / #(w_i &gt; 0)</c> over the rows of <paramref name="values"/> [N]; zero when every weight is 0.</summary>
    private Tensor WeightedMean(Tensor values, float[] weights)
    {
        var active = weights.Count(w => w > 0);
        if (active == 0) return zeros([], device: device);
        return values.mul(tensor(weights, device: device)).sum().div(Scalars.Of((double)active));
    }

    private double GradNorm() => Options.ClipNorm > 0
        ? nn.utils.clip_grad_norm_(backbone.parameters(), Options.ClipNorm, 2.0)
        : TotalNorm(backbone);

    /// <summary>
    /// After a non-finite loss or gradient norm: the same step once more from the same random and header state, so the
    /// record says whether this host computes that step the same way twice (a data or learning-rate problem repeats
    /// bit for bit; a host fault usually does not). Written to <c>divergence.json</c> beside <c>host.json</c>.
    /// </summary>
    private DivergenceReplay Replay(TrainBatch batch, StepSnapshot snapshot, double first, bool gradients)
    {
        using var scope = NewDisposeScope();
        snapshot.Restore(header);
        var (loss, _, _) = Forward(batch);
        double again = loss.item<float>();
        if (gradients && double.IsFinite(again))
        {
            optimizer.zero_grad();
            loss.backward();
            again = GradNorm();
        }

        optimizer.zero_grad();
        var replay = new DivergenceReplay(batch.Epoch, batch.Step, State.GlobalStep + 1, gradients ? "backbone gradient norm" : "loss", first, again,
            BitConverter.DoubleToInt64Bits(first) == BitConverter.DoubleToInt64Bits(again) || (double.IsNaN(first) && double.IsNaN(again)));
        replay.Write(Options.OutputDir);
        return replay;
    }

    private TrainingDivergedException Diverged(TrainBatch b, string what, DivergenceReplay replay) =>
        new($"training diverged at epoch {b.Epoch} step {b.Step} (global step {State.GlobalStep + 1}): {what}; nothing was updated, the last good checkpoint is {LastCheckpoint ?? "(none yet)"}. " +
            (replay.SameTwice
                ? "Replayed once, the host computed the same value again (a property of the data or the settings, e.g. the learning rate)"
                : $"Replayed once, the host computed {replay.Replayed} instead: it does not compute this step the same way twice (run fairkd doctor)") +
            $"; see {DivergenceReplay.FileName} and {HostRecord.FileName}",
            b.Epoch, b.Step, LastCheckpoint);

    private static long ParameterCount(nn.Module m) => m.parameters().Sum(p => p.numel());

    private static double TotalNorm(nn.Module m)
    {
        using var scope = NewDisposeScope();
        var sq = m.parameters().Where(p => p.grad is not null).Select(p => p.grad!.pow(Scalars.Long(2)).sum().item<float>()).Sum();
        return Math.Sqrt(sq);
    }
}
