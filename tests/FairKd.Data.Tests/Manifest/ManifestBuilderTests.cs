using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Manifest;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>Release building: content, byte-identical output under shuffled input, atomic replacement, and input validation.</summary>
public class ManifestBuilderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Task<ManifestBuildResult> Build(Core.Sampling.Recipe r, IEnumerable<LabeledSample> s, string dir, ManifestBuildOptions? o = null) =>
        ManifestBuilder.BuildAsync(r, s, dir, o ?? new ManifestBuildOptions { InputFingerprints = ["b", "a"], FairKdVersion = "9.9.9" }).WaitAsync(Timeout);

    [Fact]
    public async Task Release_holds_kept_samples_sorted_by_key_and_a_consistent_card()
    {
        using var tmp = new TempDir("mb");
        var samples = ManifestFixtures.Samples();
        var res = await Build(ManifestFixtures.Mix(), samples, tmp.Combine("rel"));
        var rel = ReleaseReader.Read(tmp.Combine("rel"));
        Assert.Equal(28, rel.Identities.Count);
        Assert.Equal(12, rel.Identities.Count(x => x.Kept));
        Assert.Equal(6, rel.Card.Numbers.Sources.Where(s => s.Kind == "real").Sum(s => s.Identities)); // 50 % of 12
        Assert.Equal(0.5, rel.Card.Numbers.RealFraction!.Identities);
        Assert.Equal(rel.Samples.Select(s => s.Key).Order(StringComparer.Ordinal), rel.Samples.Select(s => s.Key));
        var keptIds = rel.Identities.Where(x => x.Kept).Select(x => x.Identity).ToHashSet();
        Assert.Equal(samples.Where(s => keptIds.Contains(s.Identity)).Select(s => s.Key).Order(StringComparer.Ordinal), rel.Samples.Select(s => s.Key));
        Assert.Equal(Enumerable.Range(1, 16), rel.Identities.Where(x => !x.Kept).Select(x => x.RemovalOrder!.Value).Order());
        Assert.Equal(["a", "b"], res.Card.Inputs);
        Assert.Equal("9.9.9", rel.Card.FairKdVersion);
        Assert.Equal("multiple_forces", rel.Card.Protocol);
        Assert.Empty(ReleaseStats.Check(rel).Mismatches);
        var text = File.ReadAllText(tmp.Combine("rel", "samples.csv"));
        Assert.DoesNotContain('\r', text);
        Assert.StartsWith("dataset,identity,relative_path,key,sha256\n", text, StringComparison.Ordinal);
        Assert.Contains("| African |", File.ReadAllText(tmp.Combine("rel", "card.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_is_byte_identical_for_shuffled_input()
    {
        using var tmp = new TempDir("mb");
        var samples = ManifestFixtures.Samples(seed: 7);
        await Build(ManifestFixtures.Mix(10), samples, tmp.Combine("a"));
        for (var seed = 0; seed < 3; seed++)
        {
            var shuffled = samples.ToArray();
            new Random(seed).Shuffle(shuffled);
            await Build(ManifestFixtures.Mix(10), shuffled, tmp.Combine("b"), new ManifestBuildOptions { InputFingerprints = ["a", "b"], FairKdVersion = "9.9.9" });
            foreach (var f in new[] { "samples.csv", "identities.csv", "card.json", "card.md" })
                Assert.Equal(File.ReadAllBytes(tmp.Combine("a", f)), File.ReadAllBytes(tmp.Combine("b", f)));
        }
    }

    [Fact]
    public async Task A_failed_build_leaves_the_previous_release_untouched()
    {
        using var tmp = new TempDir("mb");
        var dir = tmp.Combine("rel");
        await Build(ManifestFixtures.Real(8), ManifestFixtures.Samples(), dir);
        var before = Directory.GetFiles(dir).Order().Select(File.ReadAllBytes).ToList();
        var options = new ManifestBuildOptions { BeforeCommit = _ => throw new IOException("injected failure") };
        await Assert.ThrowsAsync<IOException>(() => Build(ManifestFixtures.Real(4), ManifestFixtures.Samples(), dir, options));
        Assert.Equal(before, Directory.GetFiles(dir).Order().Select(File.ReadAllBytes).ToList());
        Assert.Equal(["rel"], Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
        // and a successful rebuild replaces it completely
        await Build(ManifestFixtures.Real(4), ManifestFixtures.Samples(), dir);
        Assert.Equal(4, ReleaseReader.Read(dir).Identities.Count(x => x.Kept));
        Assert.Equal(["rel"], Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Real_recipe_is_balanced_per_group()
    {
        using var tmp = new TempDir("mb");
        await Build(ManifestFixtures.Real(8), ManifestFixtures.Samples(realPerGroup: 5), tmp.Combine("r"));
        var rel = ReleaseReader.Read(tmp.Combine("r"));
        // protocol_e balances the groups' summed scores: their spread shrinks, and every group keeps identities
        double Spread(IEnumerable<ReleaseIdentity> ids)
        {
            var totals = EthnicGroups.Order.Select(g => ids.Where(x => x.Group == g).Sum(x => double.Parse(x.Score, System.Globalization.CultureInfo.InvariantCulture))).ToList();
            return totals.Max() - totals.Min();
        }

        Assert.True(Spread(rel.Identities.Where(x => x.Kept)) < Spread(rel.Identities) / 2);
        Assert.All(rel.Card.Numbers.Groups, g => Assert.True(g.Identities > 0));
        Assert.Equal(8, rel.Card.Numbers.Groups.Sum(g => g.Identities));
        Assert.Equal(["dcface", "idiff"], rel.Card.IgnoredDatasets);
    }

    [Fact]
    public async Task Bad_input_is_a_usage_error_naming_rows_and_counts()
    {
        using var tmp = new TempDir("mb");
        var s = ManifestFixtures.Samples();
        async Task<string> Fails(IEnumerable<LabeledSample> input, Core.Sampling.Recipe? r = null) =>
            (await Assert.ThrowsAsync<UsageException>(() => Build(r ?? ManifestFixtures.Mix(), input, tmp.Combine("x")))).Message;

        Assert.Contains("1 sample keys occur more than once: bupt/African/m.Af0/0.jpg", await Fails([.. s, s[0]]), StringComparison.Ordinal);
        var noLabels = s.Select((x, i) => i == 0 ? x with { Ethnicity = [] } : x);
        Assert.Contains("1 identities have images without soft labels: bupt/African/m.Af0", await Fails(noLabels), StringComparison.Ordinal);
        var offSum = s.Select((x, i) => i == 3 ? x with { Ethnicity = [0.5f, 0.5f, 0.5f, 0f] } : x);
        Assert.Contains("1 samples have soft labels not summing to 1", await Fails(offSum), StringComparison.Ordinal);
        var unknown = Core.Sampling.RecipeJson.Parse(TestRecipes.WithReleaseFields("""{"name":"s","kind":"synthetic","synthetic":["idiff","nope"]}"""), "s");
        Assert.Contains("1 datasets named in the recipe are not in the input: nope", await Fails(s, unknown), StringComparison.Ordinal);
        Assert.Contains("only 12 exist", await Fails(s, ManifestFixtures.Real(13)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.Combine("x")));
    }

    [Fact]
    public async Task Small_label_drift_is_a_warning_in_the_card()
    {
        using var tmp = new TempDir("mb");
        var s = ManifestFixtures.Samples().Select((x, i) => i < 3 ? x with { Ethnicity = [x.Ethnicity[0] + 0.005f, x.Ethnicity[1], x.Ethnicity[2], x.Ethnicity[3]] } : x);
        var res = await Build(ManifestFixtures.Mix(), s, tmp.Combine("w"));
        Assert.Equal(["3 images have soft labels whose sum differs from 1 by more than 0.001"], res.Card.Warnings);
    }
}
