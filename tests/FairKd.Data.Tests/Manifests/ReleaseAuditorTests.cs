using FairKd.Data.Manifests.Audit;

namespace FairKd.Data.Tests.Manifests;

/// <summary>The bounded near-duplicate search (LSH) finds what the exact all-pairs search finds on a planted set.</summary>
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
}
