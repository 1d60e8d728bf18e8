using System.Diagnostics;
using Cocona;
using FairKd.Cli.Help;
using FairKd.Core;
using FairKd.Core.Pipeline;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using FairKd.Data.Readers;
using FairKd.Data.Readers.RecordIO;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd ingest`: decode and align datasets into a sample index, rejects and a summary.</summary>
internal sealed class IngestCommand
{
    [Command("ingest", Description = "Read datasets, decode and align every image (5-point landmarks or pass-through), write samples.parquet, rejects.csv and summary.txt.\n  example: fairkd ingest --dataset bupt=/data/bupt:group/identity/image --dataset dcface=/data/dcface --out runs/ingest")]
    public Task<int> Ingest(
        [Option("dataset", Description = "NAME=PATH[:layout], layout group/identity/image or identity/image (default: identity/image); repeatable")] string[]? dataset = null,
        [Option("rec", Description = "NAME=PATH of an MXNet train.rec (with train.idx beside it); repeatable")] string[]? rec = null,
        [Option("paths", Description = "NAME=LIST: one image path per line (absolute, or relative to the list's folder); repeatable")] string[]? paths = null,
        [Option("landmarks", Description = "NAME=FILE: 5-point landmarks for dataset NAME (path, label, x1 y1 ... x5 y5); repeatable")] string[]? landmarks = null,
        [Option("out", Description = "output folder"), RequiredOption] string? @out = null,
        [Option("workers", Description = "decode+align workers (default: cores)")] int? workers = null,
        [Option("unaligned", Description = "images without landmarks that are not 112x112: reject or center-crop")] string unaligned = "reject",
        [Option("write-aligned", Description = "also write aligned images as PNG under this folder")] string? writeAligned = null,
        [Option("verbose", Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        CommandGuard.RunAsync(verbose, ct => RunAsync(dataset ?? [], rec ?? [], paths ?? [], landmarks ?? [], @out, workers, unaligned, writeAligned, ct),
            context?.CancellationToken ?? CancellationToken.None);

    private static async Task<int> RunAsync(string[] datasets, string[] recs, string[] pathLists, string[] landmarkFiles, string? outDir,
        int? workers, string unaligned, string? writeAligned, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(outDir)) throw new UsageException("--out DIR is required");
        if (workers is < 1) throw new UsageException("--workers must be at least 1");
        var report = new ReaderReport();
        var inputs = IngestInputs.Parse(datasets, recs, pathLists, landmarkFiles, unaligned, report);
        // Inputs are checked before anything is written: the samples are listed once (path lists parsed completely; a
        // listing is cheap next to decoding), which also gives the progress display its total.
        var total = inputs.ListSamples(new ReaderReport(), ct);
        var readers = inputs.BuildReaders(report);
        var landmarkTables = inputs.Landmarks;

        Directory.CreateDirectory(outDir);
        if (writeAligned is not null) Directory.CreateDirectory(writeAligned);
        var options = new IngestOptions
        {
            Workers = workers ?? MachineDefaults.Workers,
            Imaging = inputs.Imaging,
        };
        var summary = new IngestSummary();
        var clock = Stopwatch.StartNew();
        await using var index = new SampleIndexWriter(outDir);
        using var rejects = new RejectsWriter(outDir);
        await ConsoleProgress.RunAsync("ingest", total, async advance =>
        {
        using var runner = new PipelineRunner(ct);
        {
            var items = new IngestPipeline(readers, landmarkTables, options).Start(runner);
            runner.Sink<IngestItem>("write", items, async (item, token) =>
            {
                if (item.Face is { } face)
                {
                    await index.AddAsync(face, token);
                    summary.Accepted(face.Sample);
                    if (writeAligned is not null)
                        AlignedImageWriter.SavePng(face.Chw, face.Size, Path.Combine(writeAligned, face.Sample.Key + ".png"));
                }
                else
                {
                    rejects.Add(item.Reject!);
                }

                summary.Seen++;
                advance(1);
            });
            await runner.RunAsync();
        }
        });

        foreach (var m in report.Malformed)
            rejects.Add(new Core.Records.Reject($"{m.Source}:{m.Line?.ToString() ?? m.Offset?.ToString() ?? "?"}", "enumerate", m.Reason));
        await index.CompleteAsync(ct);
        rejects.Complete();
        var text = summary.Describe(clock.Elapsed, rejects, report);
        await File.WriteAllTextAsync(Path.Combine(outDir, "summary.txt"), text, ct);
        Console.WriteLine(text.TrimEnd());
        if (rejects.Count > 0) Console.Error.WriteLine($"warning: {rejects.Count} samples rejected (see {Path.Combine(outDir, RejectsWriter.FileName)})");
        return ExitCodes.Success;
    }
}
