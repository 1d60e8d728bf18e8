namespace FairKd.Torch.Train;

/// <summary>
/// One optimiser step. Losses are the values computed before the update (the ones backpropagated).
/// <paramref name="BackboneGradNorm"/> is the backbone's total gradient L2 norm before clipping.
/// </summary>
public sealed record StepMetrics(
    int Epoch,
    int Step,
    long GlobalStep,
    int Count,
    float Loss,
    float MarginLoss,
    float KdLoss,
    double LearningRate,
    double BackboneGradNorm,
    int FlippedCount);

/// <summary>
/// A logging window of <see cref="TrainerOptions.LogEvery"/> steps: mean losses, the lr at the last step, images per
/// second of wall time and the share of wall time spent waiting for the batch source. <c>kind</c> "train" in train.jsonl.
/// </summary>
public sealed record LogRecord(
    int Epoch,
    int Step,
    long GlobalStep,
    double Loss,
    double MarginLoss,
    double KdLoss,
    double LearningRate,
    double ImagesPerSecond,
    double DataWaitShare)
{
    /// <summary>The record type in train.jsonl ("train"; validation records are "val").</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance property so System.Text.Json writes it into each train.jsonl record.")]
    public string Kind => "train";
}

/// <summary>
/// A validation of an epoch's checkpoint (`fairkd train --val-split`): verification accuracy on the held-out identities'
/// pairs (mean and population std over the protocol's folds), pair counts, per-group accuracy when the pairs have groups,
/// and whether it is the best so far (the rule <c>--select best-val</c> applies). <c>kind</c> "val" in train.jsonl.
/// </summary>
public sealed record ValidationLogRecord(
    int Epoch,
    long GlobalStep,
    string Checkpoint,
    double Accuracy,
    double AccuracyStd,
    int GenuinePairs,
    int ImpostorPairs,
    IReadOnlyDictionary<string, double>? GroupAccuracy,
    bool Best)
{
    /// <summary>The record type in train.jsonl ("val").</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance property so System.Text.Json writes it into each train.jsonl record.")]
    public string Kind => "val";
}

/// <summary>What a <see cref="Trainer.RunAsync(IAsyncEnumerable{FairKd.Core.Records.TrainBatch}, CancellationToken)"/> call did.</summary>
/// <param name="Steps">Steps trained in this call.</param>
/// <param name="SkippedBatches">Batches before the resume position that were skipped.</param>
/// <param name="WallSeconds">Wall time of the call.</param>
/// <param name="DataWaitSeconds">Time blocked waiting for the next batch.</param>
/// <param name="Images">Images trained in this call.</param>
/// <param name="LastLoss">Loss of the last step (NaN when none ran).</param>
/// <param name="LastCheckpoint">The newest checkpoint folder, or null.</param>
public sealed record TrainSummary(long Steps, long SkippedBatches, double WallSeconds, double DataWaitSeconds, long Images,
    float LastLoss, string? LastCheckpoint)
{
    /// <summary>DataWaitSeconds / WallSeconds.</summary>
    public double DataWaitShare => WallSeconds > 0 ? DataWaitSeconds / WallSeconds : 0;

    /// <summary>Images per second of wall time.</summary>
    public double ImagesPerSecond => WallSeconds > 0 ? Images / WallSeconds : 0;
}

/// <summary>
/// Wall time of one training step's phases (<see cref="Trainer.LastStepPhases"/>): forward (batch to tensors, backbone,
/// header, loss and reading it), backward (zero_grad and autograd), clip (gradient norm and clipping, or the norm alone),
/// optimizer (the SGD update).
/// </summary>
public sealed record StepPhases(TimeSpan Forward, TimeSpan Backward, TimeSpan Clip, TimeSpan Optimizer);
