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
/// <paramref name="MarginWeights"/> and <paramref name="KdWeights"/> weigh each image's margin-loss and KD terms (null:
/// 1 for every image, the study's loss); an image with margin weight 0 (an unlabelled face, label -1) carries KD only.
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
    string[] Keys,
    float[]? MarginWeights = null,
    float[]? KdWeights = null)
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
        if (MarginWeights is not null && MarginWeights.Length != Count) return $"margin weights hold {MarginWeights.Length} values, expected {Count}";
        if (KdWeights is not null && KdWeights.Length != Count) return $"KD weights hold {KdWeights.Length} values, expected {Count}";
        if (KdWeights is not null && TeacherTargets is null) return "KD weights without teacher targets";
        for (var i = 0; i < Count; i++)
        {
            var m = MarginWeights?[i] ?? 1f;
            if (!float.IsFinite(m) || m < 0) return $"margin weight of image {i} is {m}, must be finite and >= 0";
            if (m > 0 && Labels[i] < 0) return $"image {i} has no label ({Labels[i]}) but margin weight {m}";
            var k = KdWeights?[i] ?? 1f;
            if (!float.IsFinite(k) || k < 0) return $"KD weight of image {i} is {k}, must be finite and >= 0";
        }

        return null;
    }
}
