using FairKd.Core;
using FairKd.Data.Cache;
using FairKd.Data.Ingest;
using FairKd.Data.Tests.Helpers;
using FairKd.Stages.Embed;
using FairKd.Tests.Shared;
using Parquet;
using Parquet.Serialization;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd embed --samples DIR`: the ingest -> embed contract, embed taking exactly the samples ingest accepted
/// (sample index version 2: samples.parquet + samples.json).</summary>
public class EmbedSamplesTests(EmbedFixture fx) : IClassFixture<EmbedFixture>
{
    private static readonly string[] Teacher =
        ["--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--no-ethnicity", "--batch-size", "1", "--shard-rows", "16"];

    /// <summary>Every kind of input (folders, one with landmarks; a RecordIO pack; a path list), each with an image ingest
    /// rejects; returns the input arguments.</summary>
    private string[] Inputs(string data)
    {
        CopyFolder(Path.Combine(fx.Data, "real"), Path.Combine(data, "real"));
        CopyFolder(Path.Combine(fx.Data, "unaligned"), Path.Combine(data, "unaligned"));
        CopyFolder(Path.Combine(fx.Data, "synthetic-a"), Path.Combine(data, "syn"));
        var identity = Directory.GetDirectories(Path.Combine(data, "real", "African")).Order(StringComparer.Ordinal).First();
        File.WriteAllBytes(Path.Combine(identity, "zz-garbage.jpg"), [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 37))]);

        var jpegs = Directory.GetFiles(Path.Combine(fx.Data, "real"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(6).ToArray();
        Directory.CreateDirectory(Path.Combine(data, "pack"));
        using (var writer = new RecordIOWriter(Path.Combine(data, "pack", "train.rec"), Path.Combine(data, "pack", "train.idx")))
        {
            for (var i = 0; i < jpegs.Length; i++) writer.Write(i, RecordIOWriter.Pack([i / 2], asArray: false, (ulong)i, File.ReadAllBytes(jpegs[i])));
            writer.Write(jpegs.Length, RecordIOWriter.Pack([9], asArray: false, 99, "not an image"u8));
        }

        var syn = Path.Combine(data, "syn");
        var listed = Directory.GetFiles(syn, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(7)
            .Select(f => Path.GetRelativePath(syn, f)).Append("id_00000/missing.png");
        File.WriteAllLines(Path.Combine(syn, "list.txt"), listed);
        return
        [
            "--dataset", $"real={data}/real:group/identity/image", "--dataset", $"raw={data}/unaligned:group/identity/image",
            "--landmarks", $"raw={data}/unaligned/landmarks.txt", "--rec", $"ms1m={data}/pack/train.rec", "--paths", $"syn={syn}/list.txt",
        ];
    }

    [Fact]
    public async Task Embed_samples_caches_exactly_what_ingest_accepted_as_embed_over_the_same_inputs_does()
    {
        var data = fx.Dir.Combine("smp-data");
        var inputs = Inputs(data);
        var ingest = fx.Dir.Combine("smp-ingest");
        var r = ProcessRunner.Fairkd(["ingest", .. inputs, "--out", ingest]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var ingestRejects = File.ReadAllLines(Path.Combine(ingest, RejectsWriter.FileName)).Skip(1).ToList();
        Assert.True(ingestRejects.Count == 3, string.Join("\n", ingestRejects)); // the garbage file, the corrupt record, the missing listed file
        var accepted = await (await SampleIndexReader.OpenAsync(ingest)).ReadAsync();
        Assert.Equal(["folder", "folder", "recordio", "paths"], (await SampleIndexReader.OpenAsync(ingest)).Manifest.Datasets.Select(d => d.Kind));

        var fromIndex = fx.Dir.Combine("smp-c-index");
        var fromInputs = fx.Dir.Combine("smp-c-inputs");
        r = ProcessRunner.Fairkd(["embed", "--samples", ingest, .. Teacher, "--out", fromIndex]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("rejected (see", r.StdErr, StringComparison.Ordinal);
        r = ProcessRunner.Fairkd(["embed", .. inputs, .. Teacher, "--out", fromInputs]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("3 samples rejected", r.StdErr, StringComparison.Ordinal);

        // The same rows: keys (exactly ingest's accepted samples, in its order), labels, embeddings, norms, bit for bit.
        var a = EmbedFixture.Rows(fromIndex);
        var b = EmbedFixture.Rows(fromInputs);
        Assert.Equal(accepted.Select(s => s.Sample.Key), a.Select(x => x.Key));
        Assert.Equal(b.Select(x => x.Key), a.Select(x => x.Key));
        for (var i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].E.SequenceEqual(b[i].E) && a[i].F.SequenceEqual(b[i].F) && a[i].N == b[i].N, $"{a[i].Key} differs");
        }

        Assert.Equal(await Labels(fromInputs), await Labels(fromIndex));
        var shards = Directory.GetFiles(fromInputs, "part-*.parquet").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.True(shards.Count > 1, $"{shards.Count} shards");
        Assert.Equal(shards, Directory.GetFiles(fromIndex, "part-*.parquet").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        foreach (var s in shards) Assert.Equal(File.ReadAllBytes(Path.Combine(fromInputs, s)), File.ReadAllBytes(Path.Combine(fromIndex, s)));
        var (indexCache, inputsCache) = (CacheIndex.TryLoad(fromIndex)!, CacheIndex.TryLoad(fromInputs)!);
        Assert.Equal(inputsCache.Metadata.Imaging, indexCache.Metadata.Imaging); // the landmark file, by path and SHA-256
        Assert.Equal(inputsCache.Fingerprint, indexCache.Fingerprint);
        Assert.Equal(0, indexCache.RejectCount);
        Assert.Contains(Assert.Single(indexCache.Provenance!).Inputs, i => i.Role == "sample-index" && i.Path.EndsWith(SampleIndexWriter.FileName, StringComparison.Ordinal));

        // An image changed since ingest is a reject with its reason, not a crash; the others are cached.
        var changed = accepted.First(s => s.Sample.Dataset == "real");
        var other = accepted.Last(s => s.Sample.Dataset == "real");
        File.Copy(((FairKd.Core.Records.FileSource)other.Sample.Source).FullPath, ((FairKd.Core.Records.FileSource)changed.Sample.Source).FullPath, overwrite: true);
        var tampered = fx.Dir.Combine("smp-c-tampered");
        r = ProcessRunner.Fairkd(["embed", "--samples", ingest, .. Teacher, "--out", tampered]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 samples rejected", r.StdErr, StringComparison.Ordinal);
        Assert.Equal(accepted.Count - 1, EmbedFixture.Rows(tampered).Count);
        var reject = Assert.Single(File.ReadAllLines(Path.Combine(tampered, RejectsWriter.FileName)).Skip(1));
        Assert.Equal($"{changed.Sample.Key},index,\"changed since ingest: the file's SHA-256 is {other.Sha256}, the sample index has {changed.Sha256}\"", reject);

        // A landmark file changed since ingest is refused before a model loads, naming the file.
        File.AppendAllText(Path.Combine(data, "unaligned", "landmarks.txt"), "\n");
        r = ProcessRunner.Fairkd(["embed", "--samples", ingest, .. Teacher, "--out", fx.Dir.Combine("smp-c-landmarks")]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("landmarks.txt, changed since ingest", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fx.Dir.Combine("smp-c-landmarks")));
    }

    [Fact]
    public async Task Samples_excludes_the_input_options_and_a_version_1_or_incomplete_index_is_refused()
    {
        var ingest = fx.Dir.Combine("smp-ingest-small");
        var r = ProcessRunner.Fairkd("ingest", "--dataset", fx.Real, "--out", ingest);
        Assert.True(r.ExitCode == 0, r.ToString());
        var options = new EmbedOptions { Samples = ingest, Teacher = EmbedFixture.Spec, Weights = EmbedFixture.Weights, NoEthnicity = true, OutDir = fx.Dir.Combine("smp-x") };
        Assert.Equal(48, (await EmbedStage.PrepareAsync(options)).Total);
        foreach (var mixed in new[]
        {
            options with { Datasets = [fx.Real] }, options with { Recs = ["r=/x.rec"] }, options with { PathLists = ["p=/l.txt"] },
            options with { LandmarkFiles = ["real=/l.txt"] }, options with { Unaligned = FairKd.Data.Imaging.UnalignedPolicy.CenterCrop },
        })
        {
            var e = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.PrepareAsync(mixed));
            Assert.Contains("--samples DIR takes the inputs", e.Message, StringComparison.Ordinal);
        }

        // Rows that do not match the sidecar, a missing sidecar, a version 1 index: each refused with what to do.
        var copy = fx.Dir.Combine("smp-ingest-copy");
        CopyFolder(ingest, copy);
        var rows = Path.Combine(copy, SampleIndexWriter.FileName);
        var (data, metadata) = await ReadRows(rows);
        await WriteRows(rows, [.. data.Take(40)], metadata);
        var refused = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.PrepareAsync(options with { Samples = copy }));
        Assert.Contains("is not the file samples.json describes", refused.Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(copy, SampleIndexManifest.FileName));
        refused = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.PrepareAsync(options with { Samples = copy }));
        Assert.Contains("samples.json is missing", refused.Message, StringComparison.Ordinal);
        await WriteRows(rows, [.. data], new Dictionary<string, string>(metadata) { ["fairkd.schema_version"] = "1" });
        r = ProcessRunner.Fairkd("embed", "--samples", copy, "--teacher", EmbedFixture.Spec, "--weights", EmbedFixture.Weights, "--no-ethnicity", "--out", fx.Dir.Combine("smp-y"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is a version 1 sample index, which does not record where its images are; run `fairkd ingest` again", r.StdErr, StringComparison.Ordinal);
        refused = await Assert.ThrowsAsync<UsageException>(() => EmbedStage.PrepareAsync(options with { Samples = fx.Dir.Combine("smp-none") }));
        Assert.Contains("folder not found", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> Labels(string cache)
    {
        using var reader = EmbeddingCacheReader.Open(cache);
        return [.. (await reader.ReadLabelsAsync()).Select(l => $"{l.Key}|{l.Dataset}|{l.Identity}|{l.FolderGroup}|{l.RelativePath}|{l.Sha256}")];
    }

    private static async Task<(IList<SampleIndexRow> Rows, IReadOnlyDictionary<string, string> Metadata)> ReadRows(string path)
    {
        var result = await ParquetSerializer.DeserializeAsync<SampleIndexRow>(path);
        return (result.Data, result.CustomMetadata);
    }

    private static async Task WriteRows(string path, IList<SampleIndexRow> rows, IReadOnlyDictionary<string, string> metadata)
    {
        await using var stream = File.Create(path);
        await ParquetSerializer.SerializeAsync(rows, stream, new ParquetOptions(), metadata.ToDictionary());
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
