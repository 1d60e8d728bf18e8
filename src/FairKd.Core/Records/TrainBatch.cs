namespace FairKd.Core.Records;

/// <summary>
/// One training batch as the trainer consumes it (immutable by convention: producers never touch the arrays after
/// handing the batch over).
/// <paramref name="Epoch"/> is 0-based; <paramref name="Step"/> is the 0-based step within that epoch.
/// <paramref name="Images"/> holds <paramref name="Count"/> normalised RGB CHW images packed as [Count, 3, Size, Size]
/// (<c>(x - 127.5) / 127.5</c>). <paramref name="Labels"/> are class indices. <paramref name="TeacherTargets"/> is
/// [Count, D] (D = 512 for the study's teachers) or null when training without distillation.
/// Row i of the targets is the target for image i AS GIVEN: when the producer flipped image i
/// (<paramref name="Flipped"/>[i] = true) it must put the cached embedding of the flipped image in row i; the trainer
/// never re-orders or re-flips anything. <paramref name="Keys"/> are the sample keys (for logs and diagnostics).
/// </summary>
public sealed record TrainBatch(
    int Epoch,
    int Step,
    int Count,
    float[] Images,
    int Size,
    long[] Labels,
    float[]? TeacherTargets,
    bool[] Flipped,
    string[] Keys)
{
    /// <summary>Width D of the teacher targets, or 0 when there are none.</summary>
    public int TargetWidth => TeacherTargets is null || Count == 0 ? 0 : TeacherTargets.Length / Count;

    /// <summary>Null when the array sizes agree with <see cref="Count"/> and <see cref="Size"/>, else what is wrong.</summary>
    public string? Problem()
    {
        if (Epoch < 0 || Step < 0) return $"epoch {Epoch} and step {Step} must be >= 0";
        if (Count < 1) return $"count {Count} must be >= 1";
        if (Size < 1) return $"size {Size} must be >= 1";
        if (Images is null || Images.LongLength != (long)Count * 3 * Size * Size)
            return $"images hold {Images?.LongLength ?? 0} floats, expected {Count} x 3 x {Size} x {Size}";
        if (Labels is null || Labels.Length != Count) return $"labels hold {Labels?.Length ?? 0} values, expected {Count}";
        if (TeacherTargets is not null && (TeacherTargets.Length == 0 || TeacherTargets.Length % Count != 0))
            return $"teacher targets hold {TeacherTargets.Length} floats, not a multiple of {Count}";
        if (Flipped is null || Flipped.Length != Count) return $"flipped holds {Flipped?.Length ?? 0} flags, expected {Count}";
        if (Keys is null || Keys.Length != Count) return $"keys hold {Keys?.Length ?? 0} values, expected {Count}";
        return null;
    }
}
