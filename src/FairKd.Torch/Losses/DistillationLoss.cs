using FairKd.Core;
using FairKd.Torch.Interop;
using static TorchSharp.torch;

namespace FairKd.Torch.Losses;

/// <summary>Which embedding-distillation term the trainer adds.</summary>
public enum KdMode
{
    /// <summary><c>lambda * MSE(teacher, normalise(student))</c>, mean over N x D elements (the study's term).</summary>
    Mse,

    /// <summary><c>lambda * mean_i(1 - cos(teacher_i, student_i))</c>.</summary>
    Cosine,
}

/// <summary>The embedding-distillation term between cached teacher embeddings and the student's embedding.</summary>
public static class DistillationLoss
{
    /// <summary>The study's lambda for the MSE term.</summary>
    public const double StudyMseLambda = StudyDefaults.KdMseLambda;

    /// <summary>
    /// Default lambda per mode: 10000 for MSE; for cosine 10000 * 2 / 512 = 39.0625, which gives the same value as the
    /// MSE term for unit vectors of width 512 (MSE = (2 - 2 cos) / D).
    /// </summary>
    public static double DefaultLambda(KdMode mode) => mode == KdMode.Mse ? StudyMseLambda : StudyDefaults.KdCosineLambda;

    /// <summary>
    /// The KD term. <paramref name="teacher"/> [N, D] cached (already normalised) teacher embeddings;
    /// <paramref name="student"/> [N, D] the student's L2-normalised embedding.
    /// </summary>
    public static Tensor Compute(Tensor teacher, Tensor student, KdMode mode, double lambda)
    {
        if (!teacher.shape.SequenceEqual(student.shape))
            throw new ArgumentException($"teacher [{string.Join(", ", teacher.shape)}] and student [{string.Join(", ", student.shape)}] shapes differ");
        return mode switch
        {
            KdMode.Mse => nn.functional.mse_loss(student, teacher, nn.Reduction.Mean).mul(Scalars.Of(lambda)),
            KdMode.Cosine => nn.functional.cosine_similarity(student, teacher, 1, 1e-8).neg().add(Scalars.Of(1.0), Scalars.One).mean().mul(Scalars.Of(lambda)),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
    }

    /// <summary>
    /// The KD term of each row [N] (<see cref="Compute"/> is their mean): MSE, <c>lambda * mean_d (s - t)^2</c>;
    /// cosine, <c>lambda * (1 - cos(s, t))</c>. Used when images carry different KD weights.
    /// </summary>
    public static Tensor PerRow(Tensor teacher, Tensor student, KdMode mode, double lambda)
    {
        if (!teacher.shape.SequenceEqual(student.shape))
            throw new ArgumentException($"teacher [{string.Join(", ", teacher.shape)}] and student [{string.Join(", ", student.shape)}] shapes differ");
        if (mode == KdMode.Mse)
        {
            var d = student.add(teacher, Scalars.Of(-1.0)); // not square(): TorchSharp's square() makes a hidden Scalar; the caller's dispose scope owns d
            return d.mul(d).mean([1]).mul(Scalars.Of(lambda));
        }

        return mode switch
        {
            KdMode.Cosine => nn.functional.cosine_similarity(student, teacher, 1, 1e-8).neg().add(Scalars.Of(1.0), Scalars.One).mul(Scalars.Of(lambda)),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
    }
}
