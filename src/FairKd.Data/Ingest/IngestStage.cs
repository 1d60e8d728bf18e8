using System.Diagnostics;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Core.Records;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;

namespace FairKd.Data.Ingest;

/// <summary>What an ingest run did: samples accepted and rejected, and summary.txt's text.</summary>
/// <param name="Accepted">Samples written to the sample index.</param>
/// <param name="Rejected">Samples (and malformed input entries) written to rejects.csv.</param>
/// <param name="Summary">The text of summary.txt.</param>
public sealed record IngestResult(long Accepted, long Rejected, string Summary);

/// <summary>
/// The ingest stage: every image of the inputs read, decoded and aligned (<see cref="IngestPipeline"/>, N ordered workers),
/// accepted faces into the sample index (samples.parquet and samples.json, <see cref="SampleIndexWriter"/>), everything else into
/// rejects.csv with a reason (bad input is data), and summary.txt with the counts. `fairkd ingest` is parse -> options ->
/// this -> exit code. <see cref="Prepare"/> checks the inputs completely first (a mistake is a <see cref="UsageException"/>
/// before anything is written) and counts the samples, so a progress display knows its total.
/// </summary>
public sealed class IngestStage
{
    private readonly IngestOptions _options;
    private readonly IngestInputs _inputs;
    private readonly ReaderReport _report;

    private IngestStage(IngestOptions options, IngestInputs inputs, ReaderReport report, long total)
    {
        _options = options;
        _inputs = inputs;
        _report = report;
        Total = total;
    }

    /// <summary>Samples the inputs hold (listed once by <see cref="Prepare"/>).</summary>
    public long Total { get; }

    /// <summary>Checks <paramref name="options"/> and the input files and lists the samples; throws <see cref="UsageException"/>
    /// naming the option to fix.</summary>
    public static IngestStage Prepare(IngestOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutDir)) throw new UsageException("--out DIR is required");
        if (options.Workers < 1) throw new UsageException("--workers must be at least 1");
        var report = new ReaderReport();
        var inputs = IngestInputs.Parse([.. options.Datasets], [.. options.Recs], [.. options.PathLists], [.. options.LandmarkFiles],
            PreprocessingRecord.UnalignedName(options.Unaligned), report);
        // The samples are listed once (path lists parsed completely; a listing is cheap next to decoding).
        var total = inputs.ListSamples(new ReaderReport(), ct);
        return new IngestStage(options with { Imaging = options.Imaging with { Unaligned = options.Unaligned } }, inputs, report, total);
    }

    /// <summary>
    /// The stage's entry point (every stage has this shape): <see cref="Prepare"/>, then
    /// <see cref="RunAsync(IProgress{long}?, CancellationToken)"/> with its progress on <paramref name="reporter"/>, then
    /// the summary and, if any sample was rejected, a warning naming rejects.csv.
    /// </summary>
    public static async Task<IngestResult> RunAsync(IngestOptions options, StageReporter? reporter, CancellationToken ct)
    {
        var stage = Prepare(options, ct);
        reporter ??= StageReporter.Silent;
        IngestResult result = null!;
        await reporter.TrackAsync("ingest", stage.Total, "img", async advance => result = await stage.RunAsync(new Advance(advance), ct).ConfigureAwait(false))
            .ConfigureAwait(false);
        reporter.Info(result.Summary.TrimEnd());
        if (result.Rejected > 0) reporter.Warn($"{result.Rejected} samples rejected (see {Path.Combine(options.OutDir!, RejectsWriter.FileName)})");
        return result;
    }

    /// <summary>Runs the stage; <paramref name="progress"/> gets the number of samples finished since its last report.</summary>
    public async Task<IngestResult> RunAsync(IProgress<long>? progress, CancellationToken ct)
    {
        var outDir = _options.OutDir!;
        var readers = _inputs.BuildReaders(_report);
        using var folder = Core.IO.RunFolder.Acquire(outDir, "ingest");
        if (_options.WriteAligned is { } aligned) Directory.CreateDirectory(aligned);
        var summary = new IngestSummary();
        var clock = Stopwatch.StartNew();
        long accepted = 0;
        await using var index = new SampleIndexWriter(outDir, _inputs.Describe(), _inputs.ImagingInputs.Record(_options.Imaging));
        using var rejects = new RejectsWriter(outDir);
        using (var runner = new PipelineRunner(ct))
        {
            var items = new IngestPipeline(readers, _inputs.Landmarks, _options).Start(runner);
            runner.Sink<IngestItem>("write", items, async (item, token) =>
            {
                if (item.Face is { } face)
                {
                    await index.AddAsync(face, token).ConfigureAwait(false);
                    summary.Accepted(face.Sample);
                    accepted++;
                    if (_options.WriteAligned is { } dir)
                        AlignedImageWriter.SavePng(face.Chw, face.Size, Path.Combine(dir, face.Sample.Key + ".png"));
                }
                else
                {
                    rejects.Add(item.Reject!);
                }

                summary.Seen++;
                progress?.Report(1);
            });
            await runner.RunAsync().ConfigureAwait(false);
        }

        foreach (var m in _report.Malformed)
            rejects.Add(new Reject($"{m.Source}:{m.Line?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? m.Offset?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}", "enumerate", m.Reason));
        await index.CompleteAsync(ct).ConfigureAwait(false);
        rejects.Complete();
        var text = summary.Describe(clock.Elapsed, rejects, _report);
        Core.IO.AtomicFile.WriteAllText(Path.Combine(outDir, "summary.txt"), text);
        return new IngestResult(accepted, rejects.Count, text);
    }

    /// <summary>Progress into a reporter's callback on the reporting thread (System.Progress would post to the thread pool).</summary>
    private sealed class Advance(Action<long> advance) : IProgress<long>
    {
        public void Report(long value) => advance(value);
    }
}
