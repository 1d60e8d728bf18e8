using System.Globalization;

namespace FairKd.Core;

/// <summary>
/// The study's training settings, in one place: every default of `fairkd train`, the pipeline planner, the trainer and the
/// losses is one of these. Source: the study's code, github.com/ivonacolakovic/SynthGap-mitigation-using-KD-in-FFR at commit
/// 6836c42e (KD.py, config/config.py, utils/losses.py), adapted from EduardaCaldeira/MST-KD; the values are read from that
/// code, not copied (the repository has no licence).
/// </summary>
public static class StudyDefaults
{
    /// <summary>Training epochs (config.num_epoch).</summary>
    public const int Epochs = 26;

    /// <summary>Images per batch on one device (config.batch_size, one GPU, drop_last).</summary>
    public const int BatchSize = 128;

    /// <summary>Learning rate for a batch of <see cref="LrReferenceBatch"/>; the lr of a run is this x batch / 512
    /// (config.lr = 0.1, scaled to 0.025 at batch 128).</summary>
    public const double BaseLr = 0.1;

    /// <summary>The batch size at which the lr equals <see cref="BaseLr"/>.</summary>
    public const int LrReferenceBatch = 512;

    /// <summary>Epochs at which the lr is multiplied by 0.1, as `--milestones` text (config.lr_step = [8, 14, 20, 25]; the
    /// scheduler's off-by-one is <c>StudySchedule</c>'s).</summary>
    public const string MilestonesText = "8,14,20,25";

    /// <summary><see cref="MilestonesText"/> as numbers.</summary>
    public static IReadOnlyList<int> Milestones { get; } = [.. MilestonesText.Split(',').Select(m => int.Parse(m, CultureInfo.InvariantCulture))];

    /// <summary>SGD momentum of both optimisers (backbone and header).</summary>
    public const double Momentum = 0.9;

    /// <summary>SGD weight decay of both optimisers.</summary>
    public const double WeightDecay = 5e-4;

    /// <summary>Gradient-norm clip (L2) applied to the backbone's gradients only.</summary>
    public const double ClipNorm = 5.0;

    /// <summary>Weight of the MSE distillation term: loss = CE + lambda x MSE(teacher, normalised student) (config.loss_lambda).</summary>
    public const double KdMseLambda = 10000.0;

    /// <summary>Weight of the cosine distillation term (FairKd's option, not the study's): 10000 x 2 / 512, which gives the
    /// cosine term the value of the MSE term on unit vectors of 512 dimensions.</summary>
    public const double KdCosineLambda = 39.0625;

    /// <summary>The two lambdas as help text (a test keeps it equal to <see cref="KdMseLambda"/> and <see cref="KdCosineLambda"/>).</summary>
    public const string KdLambdasText = "10000 for mse, 39.0625 for cosine";

    /// <summary>Logit scale s of the margin heads (AdaFace, ElasticArcFace).</summary>
    public const double MarginScale = 64.0;

    /// <summary>AdaFace margin m.</summary>
    public const double AdaFaceMargin = 0.4;

    /// <summary>AdaFace h (the norm-scaled margin's concentration).</summary>
    public const double AdaFaceH = 0.333;

    /// <summary>AdaFace t_alpha (the study's code default; official AdaFace uses 0.01).</summary>
    public const double AdaFaceTAlpha = 1.0;

    /// <summary>ElasticArcFace mean margin m.</summary>
    public const double ElasticMargin = 0.5;

    /// <summary>ElasticArcFace margin standard deviation: each sample's margin is drawn from N(m, std).</summary>
    public const double ElasticStd = 0.05;

    /// <summary>Input side of the aligned faces, pixels.</summary>
    public const int InputSize = 112;

    /// <summary>Embedding width of every backbone.</summary>
    public const int EmbeddingSize = 512;
}

/// <summary>Defaults that depend on the machine, in one place (each command's option can override them).</summary>
public static class MachineDefaults
{
    /// <summary>Decode/align workers and CPU worker threads: one per logical core the process may use.</summary>
    public static int Workers => Environment.ProcessorCount;
}
