using System.Security.Cryptography;
using System.Text.Json;
using FairKd.Core.Eval;
using FairKd.Core.IO;
using FairKd.Core.Records;
using FairKd.Core.Runtime;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Records;

/// <summary>The provenance record every stage writes: inputs hashed once, counts and reasons sorted, the run's own fields.</summary>
public sealed class ProvenanceRecorderTests
{
    private static readonly HostInfo Host = new("Test CPU", "Vendor", "25.17.1", 8, ["avx2"], [], "Linux", ".NET");

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void Files_are_hashed_once_folders_are_not_and_counts_and_reasons_come_out_sorted()
    {
        using var dir = new TempDir("prov");
        var file = dir.Combine("pairs.txt");
        File.WriteAllText(file, "a b 1\n");
        var started = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var rec = ProvenanceRecorder.Start("eval", threads: 2, new FixedTime(started))
            .AddFile("pairs:x", file).AddFile("pairs:x", file).AddFolder("images:x", dir.Path).AddUnhashedFile("rec:y", file)
            .Count("pairs", 3).Count("images").Count("images", 2)
            .Reason("undecodable: truncated or corrupt (header declares 112x112)").Reason("undecodable: unknown format").Reason("not in the cache (key a/b)");
        var p = rec.Finish(3, "images", Host);

        Assert.Equal(("eval", RunProvenance.CurrentSchema, started), (p.Stage, p.Schema, p.StartedUtc));
        Assert.Equal(3, p.Inputs.Count);
        var pairs = p.Inputs[0];
        Assert.Equal(("pairs:x", Path.GetFullPath(file), "file", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), 6L),
            (pairs.Role, pairs.Path, pairs.Kind, pairs.Sha256, pairs.Bytes!.Value));
        Assert.Equal(("folder", (string?)null, (long?)null), (p.Inputs[1].Kind, p.Inputs[1].Sha256, p.Inputs[1].Bytes));
        Assert.Equal(("file", (string?)null, 6L), (p.Inputs[2].Kind, p.Inputs[2].Sha256, p.Inputs[2].Bytes!.Value));
        Assert.Equal(["images", "pairs"], p.Counts.Keys);
        Assert.Equal([3L, 3L], p.Counts.Values);
        Assert.Equal(new Dictionary<string, long> { ["not in the cache"] = 1, ["undecodable"] = 2 }, p.Reasons);
        Assert.Equal(new ProvenanceHost("Test CPU", "25.17.1", 8, 2, "Linux", ".NET"), p.Host);
        Assert.True(p.WallSeconds >= 0);
        Assert.Equal((3L, "images"), (p.Throughput!.Items, p.Throughput.Unit));
        Assert.Null(ProvenanceRecorder.Start("eval").Finish(0, "images", Host).Throughput);
    }

    [Theory]
    [InlineData("undecodable: truncated or corrupt (x)", "undecodable")]
    [InlineData("read: file not found", "read")]
    [InlineData("not in the cache (key a/b)", "not in the cache")]
    [InlineData("embedding is not finite", "embedding is not finite")]
    [InlineData(": odd", ": odd")]
    public void A_reason_counts_under_its_stable_prefix(string reason, string category) =>
        Assert.Equal(category, RunProvenance.ReasonCategory(reason));

    [Fact]
    public void Long_reasons_are_cut_to_sixty_characters() =>
        Assert.Equal(new string('x', 60), RunProvenance.ReasonCategory(new string('x', 200)));

    [Fact]
    public void Version_and_commit_come_from_the_build()
    {
        var (version, commit) = RunProvenance.BuildVersion();
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
        Assert.DoesNotContain("+", version, StringComparison.Ordinal);
        if (commit is not null) Assert.Matches("^[0-9a-f]{7,40}$", commit);
    }

    [Fact]
    public void The_record_round_trips_through_eval_json()
    {
        using var dir = new TempDir("prov");
        var file = dir.Combine("w.bin");
        File.WriteAllBytes(file, [1, 2, 3]);
        var p = ProvenanceRecorder.Start("eval").AddFile("weights", file).Count("images", 5).Reason("read: gone").Finish(5, "images", Host);
        var json = JsonSerializer.Serialize(p, EvalJson.Options);
        var back = JsonSerializer.Deserialize<RunProvenance>(json, EvalJson.Options)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, EvalJson.Options));
        Assert.Contains("\"schema\": \"fairkd.provenance/1\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"sha256\": \"{FileHash.Sha256(file)}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Workers_may_count_concurrently()
    {
        var rec = ProvenanceRecorder.Start("embed");
        Parallel.For(0, 10_000, i => rec.Count(i % 2 == 0 ? "even" : "odd").Reason("undecodable: x"));
        var p = rec.Finish(10_000, "images", Host);
        Assert.Equal((5000L, 5000L, 10_000L), (p.Counts["even"], p.Counts["odd"], p.Reasons["undecodable"]));
    }
}
