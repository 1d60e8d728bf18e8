using FairKd.Data.Manifest.Audit;

namespace FairKd.Data.Tests.Manifest;

/// <summary>The bounded near-duplicate search (LSH) finds what the exact all-pairs search finds on a planted set; the identity
/// threshold is judged against (and with auto set just above) the closest two distinct identities of each evaluation set.</summary>
public class ReleaseAuditorTests
{
    private static float[] Unit(Random rnd, int dim, float[]? around = null, double noise = 0)
    {
        var v = new float[dim];
        for (var k = 0; k < dim; k++) v[k] = (around?[k] ?? 0) + (float)((rnd.NextDouble() * 2 - 1) * (around is null ? 1 : noise));
        var n = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / n)];
    }

    [Fact]
    public void Lsh_finds_the_same_near_duplicates_as_the_exact_search()
    {
        var rnd = new Random(5);
        const int Dim = 64;
        var rows = new List<(string, string, string?, float[])>();
        for (var i = 0; i < 2000; i++) rows.Add(($"t/{i:0000}", $"t/id{i / 10:000}", null, Unit(rnd, Dim)));
        for (var p = 0; p < 12; p++) // planted: slightly perturbed copies, cosine ~0.99
            rows.Add(($"t/dup{p:00}", $"t/other{p:00}", null, Unit(rnd, Dim, rows[p * 37].Item4, 0.02)));
        var train = EmbeddingSet.FromRows("training", "t w", Dim, rows);
        var eval = EmbeddingSet.FromRows("e", "t w", Dim, [("e/0", "e/a", null, Unit(rnd, Dim))]);
        var exact = ReleaseAuditor.Run(train, [eval], null, new AuditOptions { NearDuplicateThreshold = 0.98, Threads = 2 });
        var lsh = ReleaseAuditor.Run(train, [eval], null, new AuditOptions { NearDuplicateThreshold = 0.98, ExactUpTo = 0, Threads = 2 });
        Assert.Equal("exact", exact.NearDuplicateSearch.Name);
        Assert.Equal("lsh", lsh.NearDuplicateSearch.Name);
        Assert.Equal(12, exact.NearDuplicates.Count);
        Assert.Equal(exact.NearDuplicates, lsh.NearDuplicates);
        Assert.True(lsh.NearDuplicateSearch.PairsCompared < exact.NearDuplicateSearch.PairsCompared / 10, $"{lsh.NearDuplicateSearch.PairsCompared} pairs");
    }

    /// <summary>A unit vector at cosine <paramref name="cos"/> from e0, in the plane of e0 and e_axis.</summary>
    private static float[] At(int dim, double cos, int axis)
    {
        var v = new float[dim];
        v[0] = (float)cos;
        v[axis] = (float)Math.Sqrt(1 - (cos * cos));
        return v;
    }

    [Fact]
    public void The_identity_threshold_is_judged_against_the_closest_distinct_evaluation_identities_and_auto_sits_just_above_them()
    {
        const int Dim = 8;
        // evaluation identities: a = e0, b at cosine 0.95 from a (two different people the set itself labels), c far away
        var eval = EmbeddingSet.FromRows("e", "t w", Dim,
            [("e/a0", "e/a", null, At(Dim, 1, 1)), ("e/b0", "e/b", null, At(Dim, 0.95, 1)), ("e/c0", "e/c", null, At(Dim, 0, 2))]);
        // training identities: x at 0.97 from a (closer than any two distinct evaluation people), y at 0.93, z far
        var train = EmbeddingSet.FromRows("training", "t w", Dim,
            [("t/x0", "t/x", null, At(Dim, 0.97, 3)), ("t/y0", "t/y", null, At(Dim, 0.93, 4)), ("t/z0", "t/z", null, At(Dim, 0, 5))]);

        var auto = ReleaseAuditor.Run(train, [eval], null, new AuditOptions { AutoIdentityThreshold = true, Threads = 1 });
        var set = Assert.Single(auto.EvalSets);
        Assert.Equal(new DistinctIdentityCeiling(0.95, "e/a", "e/b"), set.DistinctCeiling);
        Assert.Equal("auto", auto.IdentityThresholdRule);
        Assert.Equal(MathF.BitIncrement(EmbeddingSet.Dot(At(Dim, 1, 1), At(Dim, 0.95, 1))), (float)auto.IdentityThreshold);
        Assert.Equal(["t/x"], set.Overlapping.Select(p => p.TrainIdentity));
        Assert.Empty(auto.ThresholdWarnings);

        // a given threshold below the ceiling lists y too, and the report says why that is not evidence of the same person
        var given = ReleaseAuditor.Run(train, [eval], null, new AuditOptions { IdentityThreshold = 0.9, Threads = 1 });
        Assert.Equal("given", given.IdentityThresholdRule);
        Assert.Equal(["t/x e/a", "t/y e/a", "t/x e/b"], given.EvalSets[0].Overlapping.Select(p => $"{p.TrainIdentity} {p.EvalIdentity}")); // x.b = 0.97 x 0.95
        var warning = Assert.Single(given.ThresholdWarnings);
        Assert.Contains("e/a, e/b", warning, StringComparison.Ordinal);
        Assert.Contains("--identity-threshold auto", warning, StringComparison.Ordinal);
        Assert.Contains("**warning:**", given.ToMarkdown(), StringComparison.Ordinal);
        Assert.Empty(ReleaseAuditor.Run(train, [eval], null, new AuditOptions { IdentityThreshold = 0.96, Threads = 1 }).ThresholdWarnings);

        // auto needs an evaluation set with two identities to calibrate on
        var lone = EmbeddingSet.FromRows("l", "t w", Dim, [("l/a0", "l/a", null, At(Dim, 1, 1))]);
        Assert.Throws<Core.UsageException>(() => ReleaseAuditor.Run(train, [lone], null, new AuditOptions { AutoIdentityThreshold = true, Threads = 1 }));
    }
}
