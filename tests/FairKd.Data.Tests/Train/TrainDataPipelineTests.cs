using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Core.Tensors;
using FairKd.Data.Demo;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using FairKd.Data.Readers;
using FairKd.Data.Train;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Train;

public sealed class TrainDataFixture : IDisposable
{
    public TrainDataFixture()
    {
        Dir = new TempDir("train-data");
        DemoDataGenerator.Generate(Dir.Path, DemoDataOptions.ForScale(DemoScale.Tiny, 3) with { Workers = 2 });
        Samples = TrainSampleSources.FromReaders([new ImageFolderReader(DatasetSpec.Parse($"real={Dir.Combine("real")}:group/identity/image"), new ReaderReport())]);
    }

    internal TempDir Dir { get; }

    public IReadOnlyList<TrainSample> Samples { get; }

    public void Dispose() => Dir.Dispose();
}

/// <summary>Targets that encode key and flip in the vector, so a test can check which one a batch row got.</summary>
internal sealed class FakeTargets(IEnumerable<string> keys) : ITeacherTargets
{
    private readonly Dictionary<string, int> _ids = keys.Select((k, i) => (k, i)).ToDictionary(t => t.k, t => t.i, StringComparer.Ordinal);

    public int Width => 2;

    public bool Contains(string key) => _ids.ContainsKey(key);

    public void Get(string key, bool flipped, Span<float> destination)
    {
        destination[0] = _ids[key];
        destination[1] = flipped ? 1 : 0;
    }
}

public class TrainDataPipelineTests(TrainDataFixture fx) : IClassFixture<TrainDataFixture>
{
    private static async Task<List<TrainBatch>> RunAsync(IReadOnlyList<TrainSample> samples, ITeacherTargets? targets, TrainDataOptions options)
    {
        using var runner = new PipelineRunner();
        var pipeline = new TrainDataPipeline(samples, s => s.Identity.GetHashCode(StringComparison.Ordinal) & 0xff, targets, options);
        var reader = pipeline.Start(runner);
        var batches = new List<TrainBatch>();
        var collect = Task.Run(async () => { await foreach (var b in reader.ReadAllAsync()) batches.Add(b); });
        await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await collect.WaitAsync(TimeSpan.FromSeconds(10));
        return batches;
    }

    [Fact]
    public async Task Epochs_are_shuffled_differently_reproducibly_and_independently_of_workers()
    {
        var o = new TrainDataOptions { BatchSize = 10, Epochs = 2, Seed = 5, Workers = 1 };
        var a = await RunAsync(fx.Samples, null, o);
        var b = await RunAsync(fx.Samples, null, o with { Workers = 3 });
        Assert.Equal(2 * (fx.Samples.Count / 10), a.Count);
        Assert.Equal(a.SelectMany(x => x.Keys), b.SelectMany(x => x.Keys));
        Assert.Equal(a.SelectMany(x => x.Flipped), b.SelectMany(x => x.Flipped));
        Assert.True(a.Zip(b).All(t => t.First.Images.AsSpan().SequenceEqual(t.Second.Images)));
        var epoch0 = a.Where(x => x.Epoch == 0).SelectMany(x => x.Keys).ToList();
        var epoch1 = a.Where(x => x.Epoch == 1).SelectMany(x => x.Keys).ToList();
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(epoch0.Count, epoch0.Distinct().Count());
        var other = await RunAsync(fx.Samples, null, o with { Seed = 6 });
        Assert.NotEqual(epoch0, other.Where(x => x.Epoch == 0).SelectMany(x => x.Keys));
        Assert.InRange(a.SelectMany(x => x.Flipped).Count(f => f), a.Sum(x => x.Count) / 4, 3 * a.Sum(x => x.Count) / 4);
    }

    [Fact]
    public async Task A_resumed_stream_starts_exactly_where_the_full_one_was()
    {
        var o = new TrainDataOptions { BatchSize = 8, Epochs = 3, Seed = 1, Workers = 2 };
        var full = await RunAsync(fx.Samples, null, o);
        var resumed = await RunAsync(fx.Samples, null, o with { StartEpoch = 1, StartStep = 2 });
        var expected = full.SkipWhile(b => b.Epoch < 1 || (b.Epoch == 1 && b.Step < 2)).ToList();
        Assert.Equal(expected.Select(b => (b.Epoch, b.Step)), resumed.Select(b => (b.Epoch, b.Step)));
        Assert.Equal(expected.SelectMany(b => b.Keys), resumed.SelectMany(b => b.Keys));
        Assert.Equal(3, (await RunAsync(fx.Samples, null, o with { MaxSteps = 3 })).Count);
    }

    [Fact]
    public async Task Cached_targets_are_the_shards_values_and_a_resumed_run_gets_the_same_batches()
    {
        using var cache = new TempDir("train-cache");
        var keys = fx.Samples.Select(s => s.Key).ToList();
        await using (var w = await FairKd.Data.Cache.EmbeddingCacheWriter.OpenAsync(cache.Path,
            Tests.Cache.CacheTestData.Options(rowsPerShard: 7, rowGroupRows: 3, encoding: FairKd.Data.Cache.EmbeddingEncoding.Float16Blob), keys))
        {
            for (var p = 0; p < keys.Count; p++) await w.AddAsync(Tests.Cache.CacheTestData.Target(keys[p], 11 * p));
            await w.CompleteAsync();
        }

        using var targets = new CacheTeacherTargets([cache.Path]);
        using var reader = FairKd.Data.Cache.EmbeddingCacheReader.Open(cache.Path);
        var o = new TrainDataOptions { BatchSize = 8, Epochs = 2, Seed = 3, Workers = 2 };
        var full = await RunAsync(fx.Samples, targets, o);
        var resumed = await RunAsync(fx.Samples, targets, o with { StartEpoch = 1, StartStep = 1 });
        var expected = full.SkipWhile(b => b.Epoch < 1 || b.Step < 1).ToList();
        Assert.Equal(expected.SelectMany(b => b.Keys), resumed.SelectMany(b => b.Keys));
        Assert.Equal(expected.SelectMany(b => b.TeacherTargets!), resumed.SelectMany(b => b.TeacherTargets!));
        var (emb, flip, eth) = (new float[targets.Width], new float[targets.Width], new float[4]);
        foreach (var b in full)
        {
            for (var i = 0; i < b.Count; i++)
            {
                Assert.True(reader.TryGetTarget(b.Keys[i], emb, flip, eth, out _, out _));
                Assert.True(b.TeacherTargets.AsSpan(i * targets.Width, targets.Width).SequenceEqual(b.Flipped[i] ? flip : emb), b.Keys[i]);
            }
        }
    }

    [Fact]
    public async Task Flipped_images_get_the_flipped_target_and_the_mirrored_pixels()
    {
        var targets = new FakeTargets(fx.Samples.Select(s => s.Key));
        var batches = await RunAsync(fx.Samples, targets, new TrainDataOptions { BatchSize = 12, Epochs = 1, Seed = 2, Workers = 2 });
        var pre = new FacePreprocessor(ImagingOptions.Default);
        var byKey = fx.Samples.ToDictionary(s => s.Key);
        var b = batches[0];
        Assert.Contains(true, b.Flipped);
        Assert.Contains(false, b.Flipped);
        var per = 3 * b.Size * b.Size;
        for (var i = 0; i < b.Count; i++)
        {
            Assert.Equal(fx.Samples.ToList().FindIndex(s => s.Key == b.Keys[i]), (int)b.TeacherTargets![2 * i]);
            Assert.Equal(b.Flipped[i] ? 1f : 0f, b.TeacherTargets[(2 * i) + 1]);
            var plain = pre.Process(File.ReadAllBytes(byKey[b.Keys[i]].Path), null).Chw!;
            var expected = new float[per];
            if (b.Flipped[i]) Chw.FlipHorizontal(plain, expected, 3, b.Size, b.Size);
            else plain.CopyTo(expected, 0);
            Assert.True(b.Images.AsSpan(i * per, per).SequenceEqual(expected), $"row {i} ({b.Keys[i]}, flipped {b.Flipped[i]})");
        }
    }

    [Fact]
    public async Task On_unaligned_images_with_landmarks_batches_hold_exactly_the_faces_and_mirrors_ingest_and_embed_make()
    {
        var report = new ReaderReport();
        var reader = new ImageFolderReader(DatasetSpec.Parse($"unaligned={fx.Dir.Combine("unaligned")}:group/identity/image"), report);
        var samples = TrainSampleSources.FromReaders([reader]);
        var landmarks = new Dictionary<string, LandmarkTable>(StringComparer.Ordinal)
        {
            ["unaligned"] = LandmarkFileReader.Read(fx.Dir.Combine("unaligned", "landmarks.txt"), report),
        };
        Assert.Empty(report.Malformed);

        // What ingest writes and embed feeds the teacher: the ingest pipeline over the same dataset and landmark file.
        var ingested = new Dictionary<string, AlignedFace>(StringComparer.Ordinal);
        using (var runner = new PipelineRunner())
        {
            var items = new IngestPipeline([reader], landmarks, new IngestOptions { Workers = 2 }).Start(runner);
            runner.Sink<IngestItem>("collect", items, (item, _) =>
            {
                ingested.Add(item.Sample.Key, item.Face ?? throw new InvalidOperationException($"ingest rejected {item.Reject}"));
                return ValueTask.CompletedTask;
            });
            await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Equal(samples.Count, ingested.Count);
        Assert.All(ingested.Values, f => Assert.Equal(AlignmentMode.Landmarks, f.Info.Mode));
        Assert.All(ingested.Values, f => Assert.NotEqual(f.Size, f.Info.SourceWidth)); // truly unaligned sources

        var options = new TrainDataOptions { BatchSize = 4, Epochs = 3, Seed = 11, Workers = 2, Landmarks = landmarks };
        var batches = await RunAsync(samples, new FakeTargets(samples.Select(s => s.Key)), options);
        Assert.Equal(3 * (samples.Count / 4), batches.Count);
        var rows = 0;
        var flippedRows = 0;
        foreach (var b in batches)
        {
            var per = 3 * b.Size * b.Size;
            for (var i = 0; i < b.Count; i++)
            {
                var face = ingested[b.Keys[i]];
                Assert.Equal(face.Size, b.Size);
                // the mirror written out (row reversal per channel), and the one embed's cached flipped target is of
                var expected = b.Flipped[i] ? MirrorByHand(face.Chw, b.Size) : face.Chw;
                if (b.Flipped[i]) Assert.Equal(expected, face.FlippedChw());
                Assert.True(b.Images.AsSpan(i * per, per).SequenceEqual(expected), $"epoch {b.Epoch} step {b.Step} row {i} ({b.Keys[i]}, flipped {b.Flipped[i]})");
                Assert.Equal(b.Flipped[i] ? 1f : 0f, b.TeacherTargets![(2 * i) + 1]);
                rows++;
                if (b.Flipped[i]) flippedRows++;
            }
        }

        Assert.InRange(flippedRows, 1, rows - 1);

        // The comparison can fail: without the landmarks the same images are refused (reject policy) or become other pictures.
        var refused = new TrainDataPipeline(samples, _ => 0, null, options with { Landmarks = new Dictionary<string, LandmarkTable>(), Epochs = 1 });
        using (var runner = new PipelineRunner())
        {
            var reader2 = refused.Start(runner);
            var count = 0;
            var drain = Task.Run(async () => { await foreach (var _ in reader2.ReadAllAsync()) count++; });
            await runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await drain;
            Assert.Equal(0, count);
            Assert.Equal(samples.Count - (samples.Count % 4), refused.Rejects.Count);
            Assert.All(refused.Rejects, r => Assert.Equal(PreprocessStages.Align, r.Stage));
        }

        var cropped = await RunAsync(samples, null, options with { Landmarks = new Dictionary<string, LandmarkTable>(), Imaging = ImagingOptions.Default with { Unaligned = UnalignedPolicy.CenterCrop }, Epochs = 1 });
        var c = cropped[0];
        var p = 3 * c.Size * c.Size;
        var plain = c.Flipped[0] ? MirrorByHand(ingested[c.Keys[0]].Chw, c.Size) : ingested[c.Keys[0]].Chw;
        Assert.False(c.Images.AsSpan(0, p).SequenceEqual(plain), "a centre crop equals the aligned face: the test could not tell them apart");
    }

    private static float[] MirrorByHand(float[] chw, int size)
    {
        var m = new float[chw.Length];
        for (var ch = 0; ch < 3; ch++)
            for (var y = 0; y < size; y++)
                for (var x = 0; x < size; x++)
                    m[(((ch * size) + y) * size) + x] = chw[(((ch * size) + y) * size) + (size - 1 - x)];
        return m;
    }

    [Fact]
    public async Task Undecodable_images_are_left_out_and_missing_cache_keys_are_listed()
    {
        var broken = fx.Samples.Take(6).Select((s, i) => i == 2 ? s with { Path = fx.Dir.Combine("missing.jpg") } : s).ToList();
        var batches = await RunAsync(broken, null, new TrainDataOptions { BatchSize = 6, Epochs = 1, Workers = 2, Flip = false });
        Assert.Single(batches);
        Assert.Equal(5, batches[0].Count);
        var targets = new FakeTargets(fx.Samples.Skip(1).Select(s => s.Key));
        Assert.Equal([fx.Samples[0].Key], TrainDataPipeline.MissingFromCache(fx.Samples, targets));
    }

    [Fact]
    public async Task A_failing_label_function_surfaces_without_hanging()
    {
        using var runner = new PipelineRunner();
        var pipeline = new TrainDataPipeline(fx.Samples, _ => throw new InvalidOperationException("label boom"), null,
            new TrainDataOptions { BatchSize = 4, Epochs = 50, Workers = 2 });
        var reader = pipeline.Start(runner);
        var e = await Assert.ThrowsAsync<PipelineStageException>(() => runner.RunAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("label boom", e.InnerException!.Message);
    }
}
