using System.Security.Cryptography;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Data.Manifest;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests.Manifest;

/// <summary>
/// The manifest build stage called as a library (<see cref="ManifestStage.RunAsync(ManifestOptions, StageReporter?, CancellationToken)"/>,
/// no console) writes the release `fairkd manifest build` writes from the same options record's command line, and refuses the
/// same mistakes before anything is written.
/// </summary>
public sealed class ManifestStageTests : IDisposable
{
    private readonly TempDir _tmp = new("mstage");

    public void Dispose() => _tmp.Dispose();

    private string Recipe(string json)
    {
        var path = _tmp.Combine($"recipe-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, TestRecipes.WithReleaseFields(json));
        return path;
    }

    private const string MixJson = """{"name":"mix","kind":"mix","real":["bupt"],"synthetic":["syn"],"target":{"keepIdentities":10},"realFraction":0.5,"fractionBy":"identities"}""";

    [Fact]
    public async Task The_library_call_writes_the_release_the_command_writes()
    {
        var options = new ManifestOptions
        {
            Recipe = Recipe(MixJson),
            Caches = [LabelledCaches.Make(_tmp, "syn", false, 12, 21), LabelledCaches.Make(_tmp, "bupt", true, 12, 22)],
            OutDir = _tmp.Combine("library"),
            EthnicityHoldout = LabelledCaches.Make(_tmp, "held", true, 8, 23),
        };
        var result = await ManifestStage.RunAsync(options, StageReporter.Silent, CancellationToken.None);
        var command = options with { OutDir = _tmp.Combine("command") };
        var r = ProcessRunner.Fairkd([.. command.ToArgs()]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"wrote {Path.GetFullPath(command.OutDir)}", r.StdOut, StringComparison.Ordinal);

        foreach (var f in new[] { ReleaseFiles.Samples, ReleaseFiles.Identities })
            Assert.Equal(File.ReadAllBytes(Path.Combine(options.OutDir, f)), File.ReadAllBytes(Path.Combine(command.OutDir, f)));
        // card.json: every byte but the build run's own start, wall time, throughput and host (RunFields); the inputs (recipe,
        // caches, held-out cache with their SHA-256) and counts are in the comparison. (croissant.json records card.json's size
        // and hash, so it differs with the wall time.)
        Assert.Equal(RunFields.Without(Path.Combine(command.OutDir, ReleaseFiles.CardJson)), RunFields.Without(Path.Combine(options.OutDir, ReleaseFiles.CardJson)));
        Assert.Contains("\"ethnicity-holdout\"", File.ReadAllText(Path.Combine(options.OutDir, ReleaseFiles.CardJson)), StringComparison.Ordinal);

        // the result is what was written
        Assert.Equal(Path.GetFullPath(options.OutDir), result.ReleaseDir);
        Assert.Equal(10, result.Identities);
        Assert.Equal(File.ReadAllLines(Path.Combine(options.OutDir, ReleaseFiles.Samples)).Length - 1, result.Images);
        Assert.Equal(Sha256(Path.Combine(options.OutDir, ReleaseFiles.Samples)), result.Files.SamplesCsv);
        Assert.Equal(Sha256(Path.Combine(options.OutDir, ReleaseFiles.Identities)), result.Files.IdentitiesCsv);
        Assert.Equal(result.Card.ToJson(), File.ReadAllText(Path.Combine(options.OutDir, ReleaseFiles.CardJson)));
    }

    [Fact]
    public async Task A_library_caller_gets_the_commands_checks_before_anything_is_written()
    {
        var cache = LabelledCaches.Make(_tmp, "bupt", true, 4, 24);
        var recipe = Recipe("""{"name":"r","kind":"real","real":["bupt"]}""");
        var outDir = _tmp.Combine("never");
        async Task<string> Refused(ManifestOptions o) =>
            (await Assert.ThrowsAsync<UsageException>(() => ManifestStage.RunAsync(o, StageReporter.Silent, CancellationToken.None))).Message;

        Assert.Equal("give at least one --cache DIR", await Refused(new ManifestOptions { Recipe = recipe, OutDir = outDir }));
        Assert.Contains("--out DIR is required", await Refused(new ManifestOptions { Recipe = recipe, Caches = [cache] }), StringComparison.Ordinal);
        Assert.Contains("recipe JSON file", await Refused(new ManifestOptions { Caches = [cache], OutDir = outDir }), StringComparison.Ordinal);
        var noFields = _tmp.Combine("bare.json");
        File.WriteAllText(noFields, """{"name":"r","kind":"real","real":["bupt"]}""");
        Assert.Contains(noFields, await Refused(new ManifestOptions { Recipe = noFields, Caches = [cache], OutDir = outDir }), StringComparison.Ordinal);
        Assert.Contains("--ethnicity-holdout", await Refused(new ManifestOptions
        {
            Recipe = recipe, Caches = [cache], OutDir = outDir, EthnicityHoldout = LabelledCaches.Make(_tmp, "flat", false, 4, 25),
        }), StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));

        // the command refuses the first of them the same way (exit 2, the same message)
        var r = ProcessRunner.Fairkd([.. new ManifestOptions { Recipe = recipe, OutDir = outDir, Caches = [cache], EthnicityHoldout = _tmp.Combine("cache-flat") }.ToArgs()]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("error: --ethnicity-holdout", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
