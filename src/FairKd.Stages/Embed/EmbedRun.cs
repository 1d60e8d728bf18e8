using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Cache;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using FairKd.Data.Readers;

namespace FairKd.Stages.Embed;

/// <summary>Settings of one `fairkd embed` run.</summary>
internal sealed record EmbedSettings(int BatchSize, int Workers, int ShardRows, EmbeddingEncoding Encoding, ShardPartition Partition, bool Force, int? Threads = null);

/// <summary>What embed reads besides its samples: the landmark tables and unaligned policy (<paramref name="ImagingInputs"/>),
/// the imaging options, how to record the inputs in the provenance, and for a run over a sample index the SHA-256 each
/// image (by key) must still have.</summary>
internal sealed record EmbedInputs(ImagingInputs ImagingInputs, ImagingOptions Imaging, Action<ProvenanceRecorder> Record,
    IReadOnlyDictionary<string, string>? ExpectedSha256 = null);

/// <summary>
/// The embed stage wired: every sample (the cache's key list, listed by the command before any model loaded), skip what the cache already holds, then
/// ingest (decode + align, N workers, in order) -> batches -> teacher + ethnicity -> cache writer, on one
/// <see cref="PipelineRunner"/> with bounded channels. Rejects of every stage are recorded in the cache's rejects.csv; an
/// image whose bytes are not the ones a sample index accepted is rejected (stage <c>index</c>) before the teacher sees it.
/// </summary>
internal sealed class EmbedRun(EmbedInputs inputs, IReadOnlyList<SampleRef> samples, ReaderReport report, EmbedSettings settings)
{
    public async Task<EmbedResult> RunAsync(string outDir, ModelLoader.Loaded model, IEthnicitySource labels, StageReporter log, CancellationToken ct)
    {
        var imaging = inputs.Imaging;
        // what train --cache reads back to preprocess its images the same way (the string is the one older caches hold)
        var record = inputs.ImagingInputs.Record(imaging);
        var metadata = new CacheMetadata(model.Name, model.WeightsSha256, record.Describe(),
            model.Embedder.EmbeddingSize, typeof(EmbedRun).Assembly.GetName().Version?.ToString() ?? "0") { Imaging = record };
        var options = new EmbeddingCacheOptions
        {
            Metadata = metadata,
            Fingerprint = Fingerprint(labels),
            RowsPerShard = settings.ShardRows,
            RowGroupRows = Math.Min(settings.ShardRows, 8_192),
            Encoding = settings.Encoding,
            Partition = settings.Partition,
            Force = settings.Force,
        };
        using var folder = RunFolder.Acquire(outDir, "embed");
        await using var writer = await EmbeddingCacheWriter.OpenAsync(outDir, options, samples.Select(s => s.Key).ToList(), ct);
        if (writer.IsFinished)
        {
            log.Info($"embed: {outDir} is complete ({writer.Index.RowCount} rows, {writer.Index.RejectCount} rejects); nothing to do");
            return new EmbedResult(0, 0, writer.Index.RowCount, writer.Index.RejectCount, writer.Index.Shards.Count, outDir);
        }

        var todo = samples.Skip(writer.ResumePosition).Take(writer.PartitionEnd - writer.ResumePosition).ToList();
        if (writer.ResumePosition > writer.PartitionStart)
            log.Info($"embed: resuming at sample {writer.ResumePosition - writer.PartitionStart} of {writer.PartitionEnd - writer.PartitionStart} (partition {settings.Partition})");
        var clock = Stopwatch.StartNew();
        var provenance = ProvenanceRecorder.Start("embed", settings.Threads);
        inputs.Record(provenance);
        provenance.AddFile(model.WeightsPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? "onnx" : "weights", model.WeightsPath, model.WeightsSha256);
        provenance.Count("samples", todo.Count).Count("samplesAlreadyCached", writer.ResumePosition - writer.PartitionStart)
            .Count("malformedInputEntries", report.Malformed.Count);
        var teacher = new TeacherBatch(model.Embedder, labels);
        long accepted = 0, rejected = 0;
        await log.TrackAsync("embed", todo.Count, "img", async advance =>
        {
            using var runner = new PipelineRunner(ct);
            var ingest = new IngestPipeline([new SampleListReader("*", todo)], inputs.ImagingInputs.Landmarks,
                new IngestOptions { Workers = settings.Workers, Imaging = imaging, ChannelCapacity = Math.Max(64, 2 * settings.BatchSize) });
            var items = ingest.Start(runner);
            var batches = runner.Batch("batch", items, settings.BatchSize, capacity: 2);
            var embedded = runner.Map<IReadOnlyList<IngestItem>, IReadOnlyList<EmbedOutcome>>("teacher", batches,
                (batch, _) => ValueTask.FromResult<IReadOnlyList<EmbedOutcome>?>(teacher.Run(Verify(batch))), workers: 1, capacity: 2);
            runner.Sink("write", embedded, async (outcomes, token) =>
            {
                foreach (var o in outcomes)
                {
                    if (o.Item.Face is { } face) provenance.Count(EvalEmbeddingsAlignment(face.Info.Mode));
                    if (o.Target is { } t && await writer.AddAsync(t, o.Item.Face!.Info.Sha256, token)) accepted++;
                    else
                    {
                        if (o.Target is null) await writer.AddRejectAsync(o.Reject!, token);
                        provenance.Reason(o.Reject?.Reason ?? "non-finite value");
                        rejected++;
                    }
                }

                advance(outcomes.Count);
            });
            await runner.RunAsync();
        });

        provenance.Count("embedded", accepted).Count("rejected", rejected);
        var session = provenance.Finish(teacher.Images, "images");
        var index = await writer.CompleteAsync(session, ct);
        log.Info($"provenance: {session.Summary()}");
        var seconds = clock.Elapsed.TotalSeconds;
        var rate = teacher.Images / Math.Max(seconds, 1e-9);
        log.Info($"embed: {accepted} images cached, {rejected} rejected this run ({index.RowCount} rows, {index.RejectCount} rejects, " +
            $"{index.Shards.Count} shards in all) in {seconds:F1} s, {rate:F1} img/s (teacher {model.Name}); cache in {outDir}");
        if (report.Malformed.Count > 0) log.Warn($"{report.Malformed.Count} malformed input entries skipped (first: {report.Malformed[0].Source}: {report.Malformed[0].Reason})");
        if (rejected > 0) log.Warn($"{rejected} samples rejected (see {Path.Combine(outDir, "rejects.csv")})");
        return new EmbedResult(accepted, rejected, index.RowCount, index.RejectCount, index.Shards.Count, outDir);
    }

    private static string EvalEmbeddingsAlignment(AlignmentMode mode) => Eval.EvalEmbeddings.AlignmentCount(mode);

    /// <summary>The batch with every face whose bytes differ from the ones the sample index accepted turned into a reject.</summary>
    private IReadOnlyList<IngestItem> Verify(IReadOnlyList<IngestItem> batch)
    {
        if (inputs.ExpectedSha256 is not { } expected) return batch;
        return [.. batch.Select(item => item.Face is { } face && expected.TryGetValue(face.Sample.Key, out var sha) && sha != face.Info.Sha256
            ? new IngestItem(null, new Reject(face.Sample.Key, "index", $"changed since ingest: the file's SHA-256 is {face.Info.Sha256}, the sample index has {sha}"), item.Sample)
            : item)];
    }

    private string Fingerprint(IEthnicitySource labels)
    {
        var sb = new StringBuilder();
        sb.Append("unaligned=").Append(inputs.ImagingInputs.Unaligned).Append(";ethnicity=").Append(labels.Fingerprint);
        foreach (var f in inputs.ImagingInputs.LandmarkFiles.Values.Order(StringComparer.Ordinal))
            sb.Append(";landmarks=").Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
