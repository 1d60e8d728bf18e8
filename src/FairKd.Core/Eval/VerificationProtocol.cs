namespace FairKd.Core.Eval;

/// <summary>
/// Parameters of the InsightFace verification protocol (arcface_torch eval/verification.py). The defaults are the
/// protocol every published LFW/RFW number uses; change them only for experiments.
/// </summary>
public sealed record VerificationProtocol
{
    /// <summary>Contiguous folds (sklearn KFold(n_splits, shuffle=False)). Default 10.</summary>
    public int Folds { get; init; } = 10;

    /// <summary>Accuracy threshold grid: i * <see cref="ThresholdStep"/> for i in [0, <see cref="ThresholdCount"/>). Default 0.01 (numpy arange(0, 4, 0.01)).</summary>
    public double ThresholdStep { get; init; } = 0.01;

    /// <summary>Number of accuracy thresholds. Default 400 (0.00 .. 3.99).</summary>
    public int ThresholdCount { get; init; } = 400;

    /// <summary>TAR@FAR threshold grid step. Default 0.001 (numpy arange(0, 4, 0.001)).</summary>
    public double FarThresholdStep { get; init; } = 0.001;

    /// <summary>Number of TAR@FAR thresholds. Default 4000 (0.000 .. 3.999).</summary>
    public int FarThresholdCount { get; init; } = 4000;

    /// <summary>
    /// FAR targets for TAR@FAR. Default [1e-3, 1e-4]. A target f is reported only when every training split holds at
    /// least ceil(1/f) impostor pairs (one false accept then means FAR &lt;= f); otherwise its TAR is null.
    /// </summary>
    public IReadOnlyList<double> FarTargets { get; init; } = [1e-3, 1e-4];

    /// <summary>Maximum number of (FAR, TAR) points kept for the compact ROC curve stored in eval.json. Default 64.</summary>
    public int RocPoints { get; init; } = 64;

    /// <summary>The protocol with its default values.</summary>
    public static VerificationProtocol Default { get; } = new();

    /// <summary>Accuracy threshold i (bit-identical to numpy arange(0, stop, step)[i] = 0 + i * step).</summary>
    public double Threshold(int i) => i * ThresholdStep;

    /// <summary>Throws <see cref="ArgumentException"/> when a parameter is out of range.</summary>
    public void Validate()
    {
        if (Folds < 2) throw new ArgumentException($"Folds must be >= 2 (got {Folds})");
        if (!(ThresholdStep > 0) || ThresholdCount < 1) throw new ArgumentException("ThresholdStep must be > 0 and ThresholdCount >= 1");
        if (!(FarThresholdStep > 0) || FarThresholdCount < 2) throw new ArgumentException("FarThresholdStep must be > 0 and FarThresholdCount >= 2");
        foreach (var f in FarTargets)
            if (!(f > 0 && f < 1)) throw new ArgumentException($"FAR target {f} is not in (0, 1)");
        if (RocPoints < 2) throw new ArgumentException("RocPoints must be >= 2");
    }
}
