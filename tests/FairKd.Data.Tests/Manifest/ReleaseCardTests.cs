using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Core.Sampling;
using FairKd.Data.Manifest;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>The card's release fields: refused recipes, the soft-label argmax against folder groups, held-out accuracy, and `manifest card`.</summary>
public class ReleaseCardTests
{
    private static readonly string[] CsvFiles = ["samples.csv", "identities.csv"];

    private static readonly ManifestBuildOptions Options = new() { InputFingerprints = ["fp"], FairKdVersion = "9.9.9" };

    [Fact]
    public async Task A_recipe_source_without_licence_or_generator_is_refused_naming_source_and_field()
    {
        using var tmp = new TempDir("card");
        var json = TestRecipes.WithReleaseFields("""{"name":"mix","kind":"mix","real":["bupt"],"synthetic":["idiff","dcface"],"mode":"study"}""")
            .Replace("\"license\":\"CC0-1.0\",", "", StringComparison.Ordinal)
            .Replace("\"generator\":{\"name\":\"test generator\",\"version\":\"1\",\"paper\":\"none\"}", "\"generator\":{\"name\":\"g\"}", StringComparison.Ordinal);
        var recipe = RecipeJson.Parse(json, "m.json");
        var e = await Assert.ThrowsAsync<UsageException>(() => ManifestBuilder.BuildAsync(recipe, ManifestFixtures.Samples(), tmp.Combine("x"), Options));
        Assert.Contains("source bupt: license is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("source idiff: generator.version is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("source dcface: generator.paper is missing", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("source bupt: generator", e.Message, StringComparison.Ordinal); // real sources need no generator
        Assert.False(Directory.Exists(tmp.Combine("x")));
        var noDate = RecipeJson.Parse(TestRecipes.WithReleaseFields("""{"name":"r","kind":"real","real":["bupt"],"datePublished":""}"""), "r.json");
        Assert.Contains("datePublished is missing", Assert.Throws<UsageException>(() => RecipeReleaseFields.Require(noDate, "r.json")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_card_counts_kept_images_whose_argmax_differs_from_their_folder_group()
    {
        using var tmp = new TempDir("card");
        // fixture: every real image's largest probability is its folder group; move it elsewhere in 3 African images
        var flipped = 0;
        var samples = ManifestFixtures.Samples().Select(s =>
        {
            if (s.FolderGroup != "African" || flipped == 3) return s;
            flipped++;
            return s with { Ethnicity = [0.1f, 0.7f, 0.1f, 0.1f] };
        }).ToList();
        var res = await ManifestBuilder.BuildAsync(ManifestFixtures.Real(12), samples, tmp.Combine("r"), Options);
        var f = res.Card.Ethnicity!.FolderAgreement!;
        var real = samples.Where(s => s.Dataset == "bupt").ToList();
        Assert.Equal(real.Count, f.Images);
        Assert.Equal(3, f.Differing);
        var african = f.Groups.Single(g => g.Group == "African");
        Assert.Equal(real.Count(s => s.FolderGroup == "African"), african.Images);
        Assert.Equal(Math.Round(3.0 / african.Images, 6), african.Share);
        Assert.Equal(ReleaseCard.NoHeldOut, res.Card.Ethnicity.ClassifierUnknown);
        Assert.Equal("test soft labels", res.Card.Ethnicity.Source);
        var md = File.ReadAllText(tmp.Combine("r", "card.md"));
        Assert.Contains($"soft-label argmax differs from the folder group: 3 of {real.Count}", md, StringComparison.Ordinal);
        Assert.Contains("## Out of scope", md, StringComparison.Ordinal);
        Assert.Contains("- licence: CC0-1.0", md, StringComparison.Ordinal);

        // synthetic-only: nothing to compare with, and the card says why
        var syn = RecipeJson.Parse(TestRecipes.WithReleaseFields("""{"name":"s","kind":"synthetic","synthetic":["idiff"]}"""), "s.json");
        var s2 = await ManifestBuilder.BuildAsync(syn, samples, tmp.Combine("s"), Options);
        Assert.Null(s2.Card.Ethnicity!.FolderAgreement);
        Assert.Equal(ReleaseCard.NoFolderGroups, s2.Card.Ethnicity.FolderAgreementUnknown);
    }

    [Fact]
    public void Held_out_accuracy_is_per_folder_group_and_refuses_caches_without_soft_labels()
    {
        LabeledSample S(string g, params float[] p) => new($"h/{g}/{Guid.NewGuid():N}", "h", "h/x", g, "x", p, null);
        var acc = ReleaseCard.HeldOutAccuracy("fp", [S("Asian", 0, 1, 0, 0), S("Asian", 1, 0, 0, 0), S("Indian", 0, 0, 0, 1)]);
        Assert.Equal(3, acc.Images);
        Assert.Equal(0.666667, acc.Accuracy);
        Assert.Equal(0.5, acc.Groups.Single(g => g.Group == "Asian").Share);
        Assert.Equal(1, acc.Groups.Single(g => g.Group == "Indian").Share);
        Assert.Contains("no soft labels", Assert.Throws<UsageException>(() => ReleaseCard.HeldOutAccuracy("fp", [S("Asian", 0, 0, 0, 0)])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rewriting_the_card_keeps_the_sample_lists_and_refuses_other_sampling_or_caches()
    {
        using var tmp = new TempDir("card");
        var dir = tmp.Combine("m");
        var samples = ManifestFixtures.Samples();
        await ManifestBuilder.BuildAsync(ManifestFixtures.Mix(), samples, dir, Options);
        var csv = CsvFiles.Select(f => File.ReadAllBytes(Path.Combine(dir, f))).ToList();
        var before = ReleaseReader.Read(dir).Card;
        var recipe = ManifestFixtures.Mix() with { Description = "new words", IntendedUse = "tests only" };
        var heldOut = new ClassifierAccuracy("fp-h", 4, 0.75, []);
        var card = ReleaseCard.Rewrite(dir, recipe, new ReleaseCardInputs(([.. Options.InputFingerprints], samples), heldOut));
        Assert.Equal(csv, CsvFiles.Select(f => File.ReadAllBytes(Path.Combine(dir, f))));
        Assert.Equal("tests only", ReleaseReader.Read(dir).Card.IntendedUse);
        Assert.Equal(before.Ethnicity!.FolderAgreement!.Groups, card.Ethnicity!.FolderAgreement!.Groups);
        Assert.Equal(before.Ethnicity.FolderAgreement.Images, card.Ethnicity.FolderAgreement.Images);
        Assert.Equal(heldOut, card.Ethnicity.Classifier);
        Assert.Empty(CroissantTests.Problems(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ReleaseFiles.Croissant)))!.AsObject(), dir));

        var other = ManifestFixtures.Mix(10);
        Assert.Contains("samples differently", Assert.Throws<UsageException>(() => ReleaseCard.Rewrite(dir, other, new ReleaseCardInputs())).Message, StringComparison.Ordinal);
        Assert.Contains("not the release's inputs", Assert.Throws<UsageException>(() =>
            ReleaseCard.Rewrite(dir, recipe, new ReleaseCardInputs((["other"], samples)))).Message, StringComparison.Ordinal);
    }
}
