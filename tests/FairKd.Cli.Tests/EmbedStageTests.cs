using System.Text.Json.Nodes;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Data.Cache;
using FairKd.Stages.Embed;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>The embed stage called as a library (<see cref="EmbedStage"/>) does what `fairkd embed` does with the same options.</summary>
public class EmbedStageTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    [Fact]
    public async Task The_library_stage_writes_the_cache_the_command_writes()
    {
        var libraryDir = fx.Dir.Combine("st-library");
        var options = new EmbedOptions
        {
            Datasets = [fx.Real, $"rfw={fx.Data}/rfw/test/data:group/identity/image"], Unaligned = FairKd.Data.Imaging.UnalignedPolicy.CenterCrop,
            Teacher = EmbedFixture.Spec, Weights = EmbedFixture.Weights, EthnicityFromFolders = true, ShardRows = 20, BatchSize = 7, Workers = 2,
            OutDir = libraryDir,
        };
        var cliDir = fx.Dir.Combine("st-cli");
        var r = ProcessRunner.Fairkd([.. (options with { OutDir = cliDir }).ToArgs()]);
        Assert.True(r.ExitCode == 0, r.ToString());

        var result = await EmbedStage.RunAsync(options, StageReporter.Silent, CancellationToken.None);
        var index = CacheIndex.TryLoad(cliDir)!;
        Assert.Equal(new EmbedResult(index.RowCount, index.RejectCount, index.RowCount, index.RejectCount, index.Shards.Count, libraryDir), result);
        Assert.True(result.Shards > 1 && result.Embedded > 0, $"{result}");

        // Every file byte for byte (shards, rejects.csv, the key sidecar); _cache.json up to its provenance (time, host, process).
        var names = Directory.GetFiles(cliDir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, Directory.GetFiles(libraryDir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList());
        Assert.Contains(CacheIndex.FileName, names);
        foreach (var name in names.Where(n => n != CacheIndex.FileName))
            Assert.True(File.ReadAllBytes(Path.Combine(cliDir, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(libraryDir, name))), $"{name} differs");
        Assert.Equal(WithoutProvenance(cliDir), WithoutProvenance(libraryDir));
        var (cli, library) = (Assert.Single(index.Provenance!), Assert.Single(CacheIndex.TryLoad(libraryDir)!.Provenance!));
        Assert.Equal(cli.Counts, library.Counts);
        Assert.Equal(cli.Inputs, library.Inputs);

        // The command's checks are the stage's: a bad option fails before anything is written.
        var badDir = fx.Dir.Combine("st-bad");
        var bad = options with { OutDir = badDir };
        var e = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.RunAsync(bad with { BatchSize = 0 }, null, CancellationToken.None));
        Assert.Contains("--batch-size", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.RunAsync(bad with { Onnx = EmbedFixture.Onnx }, null, CancellationToken.None));
        Assert.Contains("give either --teacher", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.PrepareAsync(bad with { Datasets = [], Recs = [] }));
        Assert.Contains("--dataset", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(badDir));
    }

    private static string WithoutProvenance(string cache)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(cache, CacheIndex.FileName)))!.AsObject();
        Assert.True(json.Remove("provenance"), "the index records its provenance");
        return json.ToJsonString();
    }
}
