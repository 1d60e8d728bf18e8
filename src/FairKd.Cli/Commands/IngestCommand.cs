using Cocona;
using FairKd.Cli.Help;
using FairKd.Core;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;

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
        StageCall.RunAsync(verbose, () => new IngestOptions
            {
                OutDir = @out, Datasets = dataset ?? [], Recs = rec ?? [], PathLists = paths ?? [], LandmarkFiles = landmarks ?? [],
                Unaligned = ImagingInputs.ParseUnaligned(unaligned), WriteAligned = writeAligned, Workers = workers ?? MachineDefaults.Workers,
            }, RunAsync, context?.CancellationToken ?? CancellationToken.None);

    private static async Task<int> RunAsync(IngestOptions options, CancellationToken ct)
    {
        await IngestStage.RunAsync(options, ConsoleReporter.Instance, ct);
        return ExitCodes.Success;
    }
}
