namespace FairKd.Torch.Train;

/// <summary>The loss or the backbone gradient norm became NaN/Inf. Nothing was stepped or saved; the last checkpoint stays valid.</summary>
public sealed class TrainingDivergedException(string message, int epoch, int step, string? lastCheckpoint) : Exception(message)
{
    /// <summary>Epoch of the failing batch.</summary>
    public int Epoch { get; } = epoch;

    /// <summary>Step (within the epoch) of the failing batch.</summary>
    public int Step { get; } = step;

    /// <summary>The newest checkpoint folder written before the failure, or null.</summary>
    public string? LastCheckpoint { get; } = lastCheckpoint;
}
