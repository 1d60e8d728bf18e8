using System.Text.Json;
using FairKd.Data.Manifest.Audit;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Manifest;

/// <summary>
/// `fairkd manifest audit` on tiny demo data with planted problems: two LFW-style evaluation identities copied into the
/// real training set (as new identities) and one training image copied under a second name. The audit must find exactly
/// those: the two identity pairs, the copied images as exact duplicates, and the copied training image as the only near-duplicate.
/// </summary>
public sealed class ManifestAuditCommandTests : IDisposable
{
    private readonly TempDir _tmp = new("audit");

    public void Dispose() => _tmp.Dispose();

    private static void Ok(params string[] args)
    {
        var r = ProcessRunner.Fairkd(args);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void Finds_exactly_the_planted_identity_overlap_and_duplicates()
    {
        var data = _tmp.Combine("data");
        Ok("demo-data", "--out", data, "--scale", "tiny", "--seed", "3");
        var planted = Directory.GetDirectories(Path.Combine(data, "lfw")).Order(StringComparer.Ordinal).Take(2).Select(Path.GetFileName).ToList();
        var copies = new List<(string Train, string Eval)>();
        foreach (var id in planted)
        {
            var target = Path.Combine(data, "real", "Asian", "planted_" + id);
            Directory.CreateDirectory(target);
            foreach (var f in Directory.GetFiles(Path.Combine(data, "lfw", id!)).Order(StringComparer.Ordinal))
            {
                File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
                copies.Add(($"real/Asian/planted_{id}/{Path.GetFileName(f)}", $"lfw/lfw/{id}/{Path.GetFileName(f)}"));
            }
        }

        var someIdentity = Directory.GetDirectories(Path.Combine(data, "real", "Caucasian")).Order(StringComparer.Ordinal).First();
        var original = Directory.GetFiles(someIdentity).Order(StringComparer.Ordinal).First();
        var duplicate = Path.Combine(someIdentity, "zz_copy.jpg");
        File.Copy(original, duplicate);
        string Key(string path) => "real/" + Path.GetRelativePath(Path.Combine(data, "real"), path).Replace('\\', '/');

        Ok("embed", "--dataset", $"real={data}/real:group/identity/image", "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--ethnicity-from-folders", "--out", _tmp.Combine("train"), "--threads", "1");
        Ok("embed", "--dataset", $"lfw={data}/lfw:identity/image", "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights,
            "--no-ethnicity", "--out", _tmp.Combine("lfw"), "--threads", "1");
        // the 16-d test teacher puts distinct identities up to ~0.98 apart (measured on the demo data), so the test uses 0.999
        Ok("manifest", "audit", "--cache", _tmp.Combine("train"), "--eval", "lfw=" + _tmp.Combine("lfw"), "--out", _tmp.Combine("out"),
            "--identity-threshold", "0.999", "--near-duplicate-threshold", "0.9999", "--threads", "1");

        var report = AuditReport.FromJson(File.ReadAllText(_tmp.Combine("out", "audit.json")), "audit.json");
        var lfw = Assert.Single(report.EvalSets);
        Assert.Equal(planted.Select(id => ($"real/Asian/planted_{id}", $"lfw/{id}")).Order(),
            lfw.Overlapping.Select(p => (p.TrainIdentity, p.EvalIdentity)).Order());
        Assert.All(lfw.Overlapping, p => Assert.True(p.Cosine > 0.9999));
        Assert.True(lfw.ClosestBelowThreshold[0].Cosine < 0.999);
        Assert.Equal(copies.Count, lfw.SharedImages);
        var expected = copies.Select(c => (string[])[c.Train, c.Eval]).Append([Key(original), Key(duplicate)])
            .Select(x => string.Join(" ", x)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, report.ExactDuplicates.Select(g => string.Join(" ", g.Training.Concat(g.Eval))).Order(StringComparer.Ordinal));
        Assert.Equal(1, report.DuplicateGroupsInTraining);
        var near = Assert.Single(report.NearDuplicates);
        Assert.Equal((Key(original), Key(duplicate), true), (near.A, near.B, near.SameContent));
        Assert.Equal("exact", report.NearDuplicateSearch.Name);
        Assert.Contains("| lfw |", File.ReadAllText(_tmp.Combine("out", "audit.md")), StringComparison.Ordinal);

        // byte-identical on a rerun; an evaluation cache of another teacher is refused
        var first = File.ReadAllBytes(_tmp.Combine("out", "audit.json"));
        Ok("manifest", "audit", "--cache", _tmp.Combine("train"), "--eval", "lfw=" + _tmp.Combine("lfw"), "--out", _tmp.Combine("out"),
            "--identity-threshold", "0.999", "--near-duplicate-threshold", "0.9999", "--threads", "2");
        Assert.Equal(first, File.ReadAllBytes(_tmp.Combine("out", "audit.json")));
        var bad = ProcessRunner.Fairkd("manifest", "audit", "--cache", _tmp.Combine("train"), "--eval", "lfw=" + _tmp.Combine("lfw"), "--out", _tmp.Combine("o2"),
            "--identity-threshold", "2");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--identity-threshold", bad.StdErr, StringComparison.Ordinal);
        _ = JsonDocument.Parse(first);

        // auto: the threshold sits just above lfw's own closest pair of distinct people; the planted copies are above it, and
        // every listed pair is closer than any two people lfw tells apart. The default 0.9 is judged against the same ceiling.
        Ok("manifest", "audit", "--cache", _tmp.Combine("train"), "--eval", "lfw=" + _tmp.Combine("lfw"), "--out", _tmp.Combine("auto"),
            "--identity-threshold", "auto", "--threads", "1");
        var auto = AuditReport.FromJson(File.ReadAllText(_tmp.Combine("auto", "audit.json")), "audit.json");
        var ceiling = auto.EvalSets[0].DistinctCeiling!;
        Assert.Equal("auto", auto.IdentityThresholdRule);
        Assert.True(auto.IdentityThreshold > ceiling.Cosine - 1e-6, $"{auto.IdentityThreshold} vs {ceiling.Cosine}");
        Assert.Subset(auto.EvalSets[0].Overlapping.Select(p => (p.TrainIdentity, p.EvalIdentity)).ToHashSet(),
            planted.Select(id => ($"real/Asian/planted_{id}", $"lfw/{id}")).ToHashSet());
        Assert.All(auto.EvalSets[0].Overlapping, p => Assert.True(p.Cosine >= ceiling.Cosine, $"{p} under {ceiling}"));
        Ok("manifest", "audit", "--cache", _tmp.Combine("train"), "--eval", "lfw=" + _tmp.Combine("lfw"), "--out", _tmp.Combine("default"), "--threads", "1");
        var byDefault = AuditReport.FromJson(File.ReadAllText(_tmp.Combine("default", "audit.json")), "audit.json");
        Assert.Equal(ceiling.Cosine >= 0.9, byDefault.ThresholdWarnings.Count == 1);

        // a release of the training set: audited, then its card carries the summary
        var recipe = _tmp.Combine("real.json");
        File.WriteAllText(recipe, TestRecipes.WithReleaseFields("""{"name":"rel","kind":"real","real":["real"]}"""));
        var rel = _tmp.Combine("rel");
        Ok("manifest", "build", recipe, "--cache", _tmp.Combine("train"), "--out", rel);
        Ok("manifest", "audit", rel, "--cache", _tmp.Combine("train"), "--eval", "lfw=" + _tmp.Combine("lfw"), "--out", _tmp.Combine("rel-audit"),
            "--identity-threshold", "0.999", "--near-duplicate-threshold", "0.9999");
        Ok("manifest", "card", rel, "--recipe", recipe, "--audit", _tmp.Combine("rel-audit", "audit.json"));
        var card = File.ReadAllText(Path.Combine(rel, "card.md"));
        Assert.Contains($"| lfw | {lfw.Set.Identities} | 2 | {copies.Count} |", card, StringComparison.Ordinal);
        Assert.Contains("exact duplicate groups inside the release: 1; near-duplicate image pairs: 1", card, StringComparison.Ordinal);
    }
}
