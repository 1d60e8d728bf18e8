namespace FairKd.Torch.Train;

/// <summary>
/// The study's epoch-wise step schedule (a LambdaLR stepped once per epoch): the lr factor of epoch e (0-based) is
/// <c>0.1 ^ |{ m in milestones : m - 1 &lt;= e }|</c>. Because of the <c>m - 1</c>, each drop happens one epoch
/// earlier than the milestone suggests: with 8, 14, 20, 25 epochs 0-6 use x1, 7-12 x0.1, 13-18 x0.01, 19-23 x1e-3,
/// 24-25 x1e-4. Reproduced on purpose.
/// </summary>
public sealed class StudySchedule(IReadOnlyList<int> milestones)
{
    /// <summary>The milestones.</summary>
    public IReadOnlyList<int> Milestones { get; } = milestones;

    /// <summary>The lr multiplier during epoch <paramref name="epoch"/>.</summary>
    public double Factor(int epoch) => Math.Pow(0.1, Milestones.Count(m => m - 1 <= epoch));
}
