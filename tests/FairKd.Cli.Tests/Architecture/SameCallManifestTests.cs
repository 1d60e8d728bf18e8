using System.Reflection;
using System.Text.Json;
using FairKd.Data.Manifest;
using FairKd.Data.Manifest.Audit;

namespace FairKd.Cli.Tests.Architecture;

/// <summary>
/// The manifest stages' options records and their command lines are the same call (<see cref="SameCall"/>): `manifest build`,
/// `manifest audit` and `manifest card` records, minimal and full (every property set to a value other than its default),
/// round-trip through the real commands, and a hand-written command line gives the record a library caller would build.
/// </summary>
public sealed class SameCallManifestTests
{
    private static readonly ManifestOptions FullBuild = new()
    {
        Recipe = "my recipes/mix.json", Caches = ["/c/bupt", "/c/dcface", "/c/idiff"], OutDir = "out dir/mix", EthnicityHoldout = "/c/held out",
    };

    private static readonly ManifestAuditOptions FullAudit = new()
    {
        Release = "data-manifests/mix", Caches = ["/c/bupt", "/c/syn"], Eval = ["rfw=/c/rfw", "lfw=/c/l f w"], OutDir = "runs/audit mix",
        IdentityThreshold = "auto", NearDuplicateThreshold = 0.9999, ExactUpTo = 512, LshTables = 8, LshBits = 12, Threads = 3,
    };

    private static readonly ManifestCardOptions FullCard = new()
    {
        Release = "rel dir", Recipe = "/r/mix.json", Caches = ["/c/bupt", "/c/syn"], EthnicityHoldout = "/c/held", Audit = "runs/audit/audit.json",
    };

    [Fact]
    public async Task Manifest_build_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new ManifestOptions { Recipe = "recipes/mix.json", Caches = ["caches/bupt"], OutDir = "rel" });
        await SameCall.AssertRoundTripAsync(FullBuild);
        var parsed = await SameCall.ParseAsync(["manifest", "build", "r.json", "--cache", "a", "--out", "o", "--cache", "b", "--ethnicity-holdout", "h"]);
        Assert.Equal(SameCall.Json(new ManifestOptions { Recipe = "r.json", Caches = ["a", "b"], OutDir = "o", EthnicityHoldout = "h" }), SameCall.Json(parsed));
    }

    [Fact]
    public async Task Manifest_audit_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new ManifestAuditOptions { Caches = ["caches/train"], Eval = ["lfw=caches/lfw"], OutDir = "audit" });
        await SameCall.AssertRoundTripAsync(FullAudit);
        await SameCall.AssertRoundTripAsync(new ManifestAuditOptions { Caches = ["t"], Eval = ["e=/e"], OutDir = "o", IdentityThreshold = "0.999", Threads = 1 });
        var parsed = await SameCall.ParseAsync(["manifest", "audit", "rel", "--cache", "t", "--eval", "lfw=/e", "--out", "o",
            "--identity-threshold", "auto", "--near-duplicate-threshold", "0.995", "--lsh-bits", "16", "--threads", "2"]);
        Assert.Equal(SameCall.Json(new ManifestAuditOptions
        {
            Release = "rel", Caches = ["t"], Eval = ["lfw=/e"], OutDir = "o", IdentityThreshold = "auto", NearDuplicateThreshold = 0.995, LshBits = 16, Threads = 2,
        }), SameCall.Json(parsed));
    }

    [Fact]
    public async Task Manifest_card_options_and_their_command_line_are_the_same_call()
    {
        await SameCall.AssertRoundTripAsync(new ManifestCardOptions { Release = "data-manifests/mix", Recipe = "recipes/mix.json" });
        await SameCall.AssertRoundTripAsync(FullCard);
        var parsed = await SameCall.ParseAsync(["manifest", "card", "rel", "--audit", "a.json", "--recipe", "r.json", "--cache", "c"]);
        Assert.Equal(SameCall.Json(new ManifestCardOptions { Release = "rel", Recipe = "r.json", Caches = ["c"], Audit = "a.json" }), SameCall.Json(parsed));
    }

    [Fact]
    public void The_full_records_set_every_property_to_a_value_other_than_its_default()
    {
        // So the round trips above cover every property, including one added later.
        AssertNoDefault(FullBuild, new ManifestOptions());
        AssertNoDefault(FullAudit, new ManifestAuditOptions());
        AssertNoDefault(FullCard, new ManifestCardOptions());
    }

    private static void AssertNoDefault<T>(T full, T defaults)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        Assert.NotEmpty(properties);
        foreach (var p in properties)
            Assert.True(JsonSerializer.Serialize(p.GetValue(full)) != JsonSerializer.Serialize(p.GetValue(defaults)), $"{typeof(T).Name}.{p.Name} is left at its default");
    }
}
