using FairKd.Core;
using FairKd.Core.Records;
using FairKd.Data.Cache;
using FairKd.Tests.Shared;
using Parquet;

namespace FairKd.Data.Tests.Cache;

public class EmbeddingCacheWriterTests
{
    private static readonly string[] Keys = CacheTestData.Keys(53);

    [Theory]
    [InlineData(EmbeddingEncoding.Float32List)]
    [InlineData(EmbeddingEncoding.Float16Blob)]
    public async Task Round_trip_keeps_rows_in_input_order_and_routes_rejects(EmbeddingEncoding encoding)
    {
        using var tmp = new TempDir("cache");
        var index = await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(encoding: encoding), Keys);

        var expected = Enumerable.Range(0, Keys.Length).Where(p => !CacheTestData.IsUpstreamReject(p) && !CacheTestData.HasNaN(p)).ToList();
        Assert.True(index.Complete);
        Assert.Equal(expected.Count, index.RowCount);
        Assert.Equal(Keys.Length - expected.Count, index.RejectCount);
        Assert.All(index.Shards.SkipLast(1), s => Assert.Equal(8, s.Rows));
        Assert.Equal(Keys.Length, index.Shards[^1].InputStart + index.Shards[^1].InputCount + TrailingInputs(index));

        var rows = await CacheTestData.ReadAllAsync(tmp.Path);
        Assert.Equal(expected.Select(p => Keys[p]), rows.Select(r => r.Key));
        for (var i = 0; i < rows.Count; i++)
        {
            var want = CacheTestData.Target(Keys[expected[i]], expected[i]);
            var got = rows[i];
            Assert.Equal((want.Dataset, want.Identity, want.Group, want.Norm, want.FlippedNorm), (got.Dataset, got.Identity, got.Group, got.Norm, got.FlippedNorm));
            Assert.Equal(want.Ethnicity, got.Ethnicity);
            if (encoding == EmbeddingEncoding.Float32List)
            {
                Assert.Equal(want.Embedding, got.Embedding);
                Assert.Equal(want.FlippedEmbedding, got.FlippedEmbedding);
            }
            else
            {
                Assert.True(Vectors.Cosine(want.Embedding, got.Embedding) >= 0.9999, "fp16 cosine");
                Assert.True(Vectors.Cosine(want.FlippedEmbedding, got.FlippedEmbedding) >= 0.9999, "fp16 flipped cosine");
                Assert.All(want.Embedding.Zip(got.Embedding), z => Assert.Equal(z.First, z.Second, 1e-3f));
            }
        }

        var rejects = RejectLog.Read(tmp.Path);
        Assert.Equal(Keys.Length - expected.Count, rejects.Count);
        Assert.Contains(rejects, r => r.Key == Keys[5] && r.Stage == EmbeddingCacheWriter.RejectStage && r.Reason.Contains("NaN", StringComparison.Ordinal));
        Assert.Contains(rejects, r => r.Key == Keys[3] && r.Stage == "ingest" && r.Reason == "undecodable, \"bad\" header at 3");
    }

    [Fact]
    public async Task Shards_carry_parquet_metadata_and_the_index_records_hashes()
    {
        using var tmp = new TempDir("cache");
        var index = await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(), Keys);
        var first = index.Shards[0];
        Assert.Equal("part-00000.parquet", first.File);
        Assert.Equal(Core.IO.FileHash.Sha256(tmp.Combine(first.File)), first.Sha256);
        Assert.Equal(Keys[0], first.FirstKey);

        await using var reader = await ParquetReader.CreateAsync(tmp.Combine(first.File));
        var m = reader.CustomMetadata;
        Assert.Equal("1", m["fairkd.schema_version"]);
        Assert.Equal("iresnet-tiny", m["fairkd.teacher"]);
        Assert.Equal("ab12cd", m["fairkd.weights_sha256"]);
        Assert.Equal("arcface-112", m["fairkd.preprocessing"]);
        Assert.Equal("African,Asian,Caucasian,Indian", m["fairkd.class_order"]);
        Assert.Equal("0.1.0-test", m["fairkd.version"]);
        Assert.Equal(3, reader.RowGroupCount);
        Assert.Contains("\"fingerprint\": \"fp-1\"", File.ReadAllText(tmp.Combine(CacheIndex.FileName)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_after_a_crash_equals_an_uninterrupted_run_byte_for_byte()
    {
        using var whole = new TempDir("cache-a");
        using var crashed = new TempDir("cache-b");
        var options = CacheTestData.Options();
        await CacheTestData.WriteAllAsync(whole.Path, options, Keys);

        // Run 1 stops after 2 full shards and part of the third; the shard in progress is abandoned.
        await using (var w = await EmbeddingCacheWriter.OpenAsync(crashed.Path, options, Keys))
        {
            await CacheTestData.FeedAsync(w, Keys, stop: 26);
            Assert.Equal(2, w.Index.Shards.Count);
        }

        // Debris a killed process leaves: a torn temp shard, a renamed but unindexed shard, uncommitted reject lines.
        var committed = await EmbeddingCacheWriter.OpenAsync(crashed.Path, options, Keys);
        var resumeAt = committed.ResumePosition;
        await committed.DisposeAsync();
        File.WriteAllBytes(crashed.Combine("part-00002.parquet.tmp"), [1, 2, 3]);
        File.Copy(crashed.Combine("part-00001.parquet"), crashed.Combine("part-00002.parquet"));
        File.AppendAllText(crashed.Combine(RejectLog.FileName), "bupt/x,ingest,half a line");

        await using (var w = await EmbeddingCacheWriter.OpenAsync(crashed.Path, options, Keys))
        {
            Assert.Equal(resumeAt, w.ResumePosition);
            Assert.False(File.Exists(crashed.Combine("part-00002.parquet.tmp")));
            Assert.False(File.Exists(crashed.Combine("part-00002.parquet")));
            Assert.True(w.IsComplete(Keys[0]));
            Assert.False(w.IsComplete(Keys[resumeAt]));
            Assert.Equal(resumeAt, w.CompletedKeyCount);
            await CacheTestData.FeedAsync(w, Keys, stop: 40);
        }

        await using (var w = await EmbeddingCacheWriter.OpenAsync(crashed.Path, options, Keys))
        {
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        CacheTestData.AssertSameFiles(whole.Path, crashed.Path);
    }

    [Fact]
    public async Task A_lost_shard_is_recomputed()
    {
        using var whole = new TempDir("cache-a");
        using var broken = new TempDir("cache-b");
        var options = CacheTestData.Options();
        await CacheTestData.WriteAllAsync(whole.Path, options, Keys);
        await CacheTestData.WriteAllAsync(broken.Path, options, Keys);
        File.Delete(broken.Combine("part-00002.parquet"));

        await using (var w = await EmbeddingCacheWriter.OpenAsync(broken.Path, options, Keys))
        {
            Assert.False(w.IsFinished);
            Assert.Equal(2, w.Index.Shards.Count);
            Assert.False(File.Exists(broken.Combine("part-00003.parquet")));
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        CacheTestData.AssertSameFiles(whole.Path, broken.Path);
    }

    [Fact]
    public async Task A_rerun_of_a_complete_cache_is_a_no_op()
    {
        using var tmp = new TempDir("cache");
        var options = CacheTestData.Options();
        await CacheTestData.WriteAllAsync(tmp.Path, options, Keys);
        var before = CacheTestData.Files(tmp.Path);
        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, options, Keys))
        {
            Assert.True(w.IsFinished);
            Assert.Equal(w.PartitionEnd, w.ResumePosition);
            await w.CompleteAsync();
        }

        Assert.Equal(before.Keys, CacheTestData.Files(tmp.Path).Keys);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(tmp.Combine(kv.Key))));
    }

    [Theory]
    [InlineData("teacher")]
    [InlineData("preprocessing")]
    [InlineData("fingerprint")]
    [InlineData("keys")]
    public async Task Changed_settings_are_refused_unless_forced(string change)
    {
        using var tmp = new TempDir("cache");
        await CacheTestData.WriteAllAsync(tmp.Path, CacheTestData.Options(), Keys);
        var changed = change switch
        {
            "teacher" => CacheTestData.Options(teacher: "iresnet100"),
            "preprocessing" => CacheTestData.Options(preprocessing: "center-crop"),
            "fingerprint" => CacheTestData.Options(fingerprint: "fp-2"),
            _ => CacheTestData.Options(),
        };
        var keys = change == "keys" ? Keys[..40] : Keys;

        var ex = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheWriter.OpenAsync(tmp.Path, changed, keys));
        Assert.Contains("--force", ex.Message, StringComparison.Ordinal);
        Assert.Contains(change == "keys" ? "sample keys" : change, ex.Message, StringComparison.Ordinal);

        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, changed with { Force = true }, keys))
        {
            Assert.Equal(0, w.ResumePosition);
            Assert.Empty(w.Index.Shards);
            Assert.False(File.Exists(tmp.Combine("part-00000.parquet")));
            Assert.False(File.Exists(tmp.Combine(KeySidecar.FileName)));
            await CacheTestData.FeedAsync(w, keys);
            await w.CompleteAsync();
        }

        var index = CacheIndex.TryLoad(tmp.Path)!;
        Assert.Equal(changed.Metadata, index.Metadata);
        Assert.Equal(changed.Fingerprint, index.Fingerprint);
    }

    [Fact]
    public async Task Non_finite_values_anywhere_are_rejected_with_a_reason()
    {
        using var tmp = new TempDir("cache");
        string[] keys = ["d/a", "d/b", "d/c", "d/d", "d/e"];
        var good = CacheTestData.Target("d/x/y/z", 1);
        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, CacheTestData.Options(), keys))
        {
            Assert.True(await w.AddAsync(good with { Key = "d/a" }));
            Assert.False(await w.AddAsync(good with { Key = "d/b", FlippedEmbedding = [.. good.FlippedEmbedding.Select((v, i) => i == 2 ? float.PositiveInfinity : v)] }));
            Assert.False(await w.AddAsync(good with { Key = "d/c", Norm = float.NaN }));
            Assert.False(await w.AddAsync(good with { Key = "d/d", Ethnicity = [0.5f, float.NaN, 0.25f, 0.25f] }));
            Assert.True(await w.AddAsync(good with { Key = "d/e" }));
            await w.CompleteAsync();
        }

        var rejects = RejectLog.Read(tmp.Path);
        Assert.Equal(["d/b", "d/c", "d/d"], rejects.Select(r => r.Key));
        Assert.Contains("flipped embedding", rejects[0].Reason, StringComparison.Ordinal);
        Assert.Contains("norm", rejects[1].Reason, StringComparison.Ordinal);
        Assert.Contains("ethnicity", rejects[2].Reason, StringComparison.Ordinal);
        using var r = EmbeddingCacheReader.Open(tmp.Path);
        Assert.Equal(2, r.Count);
        Assert.False(r.TryLookup("d/b", out _));
    }

    [Fact]
    public async Task Samples_out_of_order_or_missing_are_programming_errors()
    {
        using var tmp = new TempDir("cache");
        await using var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, CacheTestData.Options(), Keys);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => w.AddAsync(CacheTestData.Target(Keys[1], 1)));
        Assert.Contains(Keys[0], ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => w.CompleteAsync());
        await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheWriter.OpenAsync(tmp.Combine("dup"), CacheTestData.Options(), ["a/1", "a/2", "a/1"]));
    }

    [Fact]
    public async Task A_failing_disk_surfaces_as_IOException_and_indexes_no_partial_shard()
    {
        using var whole = new TempDir("cache-a");
        using var tmp = new TempDir("cache-b");
        var options = CacheTestData.Options();
        await CacheTestData.WriteAllAsync(whole.Path, options, Keys);

        var shardsOpened = 0;
        Stream FailingOpen(string path, FileMode mode)
        {
            var inner = new FileStream(path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite);
            return path.EndsWith(".tmp", StringComparison.Ordinal) && ++shardsOpened == 2 ? new DiskFullStream(inner, 600) : inner;
        }

        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, options, Keys, FailingOpen, default))
        {
            var ex = await Assert.ThrowsAsync<IOException>(() => CacheTestData.FeedAsync(w, Keys));
            Assert.Contains("disk full", ex.Message, StringComparison.Ordinal);
            Assert.Contains("No space left", ex.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<InvalidOperationException>(() => w.AddRejectAsync(new Reject(Keys[w.ResumePosition], "x", "y")));
        }

        var index = CacheIndex.TryLoad(tmp.Path)!;
        Assert.Single(index.Shards);
        Assert.Equal(["part-00000.parquet"], Directory.GetFiles(tmp.Path, "part-*").Select(Path.GetFileName));

        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, options, Keys))
        {
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        CacheTestData.AssertSameFiles(whole.Path, tmp.Path);
    }

    [Fact]
    public async Task A_failing_index_write_keeps_the_last_index_and_says_the_hint_once()
    {
        using var tmp = new TempDir("cache");
        var options = CacheTestData.Options();
        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, options, Keys))
        {
            // the index's temp name taken by a folder: the first shard is written, its index update cannot be
            var before = CacheIndex.TryLoad(tmp.Path)!;
            Directory.CreateDirectory(Core.IO.AtomicFile.TempPathFor(tmp.Combine(CacheIndex.FileName)));
            var ex = await Assert.ThrowsAsync<IOException>(() => CacheTestData.FeedAsync(w, Keys));
            Assert.Contains("cannot write " + tmp.Combine(CacheIndex.FileName), ex.Message, StringComparison.Ordinal);
            Assert.Contains("Nothing partial was indexed", ex.Message, StringComparison.Ordinal);
            Assert.Single(ex.Message.Split(CacheWrites.WriteHint).Skip(1));
            Assert.Equal(before.Shards.Count, CacheIndex.TryLoad(tmp.Path)!.Shards.Count);
        }

        Directory.Delete(Core.IO.AtomicFile.TempPathFor(tmp.Combine(CacheIndex.FileName)));
        using var whole = new TempDir("cache-whole");
        await CacheTestData.WriteAllAsync(whole.Path, options, Keys);
        await using (var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, options, Keys))
        {
            await CacheTestData.FeedAsync(w, Keys);
            await w.CompleteAsync();
        }

        CacheTestData.AssertSameFiles(whole.Path, tmp.Path);
    }

    [Fact]
    public async Task Stray_shards_without_an_index_are_refused_unless_forced()
    {
        using var tmp = new TempDir("cache");
        File.WriteAllBytes(tmp.Combine("part-00000.parquet"), [0]);
        await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheWriter.OpenAsync(tmp.Path, CacheTestData.Options(), Keys));
        File.WriteAllText(tmp.Combine(CacheIndex.FileName), "{ not json");
        var ex = await Assert.ThrowsAsync<UsageException>(() => EmbeddingCacheWriter.OpenAsync(tmp.Path, CacheTestData.Options(), Keys));
        Assert.Contains("not a valid cache index", ex.Message, StringComparison.Ordinal);
        await using var w = await EmbeddingCacheWriter.OpenAsync(tmp.Path, CacheTestData.Options() with { Force = true }, Keys);
        Assert.False(File.Exists(tmp.Combine("part-00000.parquet")));
    }

    private static int TrailingInputs(CacheIndex index) =>
        index.CommittedInputs - (index.Shards[^1].InputStart - index.InputStart + index.Shards[^1].InputCount);

    /// <summary>A stream that fails like a full disk once more than <c>limit</c> bytes were written.</summary>
    private sealed class DiskFullStream(Stream inner, long limit) : Stream
    {
        private long _written;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            _written += count;
            if (_written > limit) throw new IOException("No space left on device");
            inner.Write(buffer, offset, count);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
