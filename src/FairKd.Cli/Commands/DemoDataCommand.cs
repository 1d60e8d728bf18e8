using System.Globalization;
using Cocona;
using FairKd.Core;
using FairKd.Data.Demo;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd demo-data`: writes the deterministic procedural demo data (not a face dataset).</summary>
internal sealed class DemoDataCommand
{
    [Command("demo-data", Description =
        "Generate deterministic procedural face-like demo data (NOT a face dataset): a real set (BUPT layout), two synthetic sets, " +
        "unaligned images with landmarks, an RFW-style and an LFW-style evaluation set. Same seed, same bytes; a rerun with the " +
        "same options skips a complete folder.\n  example: fairkd demo-data --out data/demo --scale small --seed 1")]
    public Task<int> DemoData(
        [FromService] CoconaAppContext context,
        [Option(Description = "output folder (new or empty, or an earlier demo-data folder with the same options)")] string @out,
        [Option(Description = "tiny (tests, ~300 images) or small (the demo, ~5,500 images)")] string scale = "small",
        [Option(Description = "random seed; the same seed gives byte-identical files")] int seed = 1,
        [Option(Description = "parallel render workers (default: all cores); does not change the output")] int? workers = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        StageCall.RunAsync(verbose, () => new DemoDataRequest { OutDir = @out, Scale = scale, Seed = seed, Workers = workers }, async (request, ct) =>
        {
            var options = request.ToOptions();
            DemoDataResult? result = null;
            await ConsoleReporter.Instance.TrackAsync("demo-data", options.TotalImages, "img", advance =>
            {
                result = DemoDataGenerator.Generate(request.OutDir!, options, new Counter(advance), ct);
                return Task.CompletedTask;
            });
            var subsets = string.Join(", ", result!.Subsets.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value.Files}")));
            Console.WriteLine(result.Skipped
                ? $"demo-data: {request.OutDir} is already complete for these options ({result.Files} files); nothing to do"
                : string.Create(CultureInfo.InvariantCulture,
                    $"demo-data: wrote {result.Images} images, {result.Files} files to {request.OutDir} in {result.Elapsed.TotalSeconds:F1} s ({subsets})"));
            return ExitCodes.Success;
        }, context.CancellationToken);

    /// <summary>Turns the generator's running count (reported from several workers, possibly out of order) into
    /// increments of the progress display.</summary>
    private sealed class Counter(Action<long> advance) : IProgress<int>
    {
        private long _shown;

        public void Report(int value)
        {
            long last;
            do
            {
                last = Interlocked.Read(ref _shown);
                if (value <= last) return;
            }
            while (Interlocked.CompareExchange(ref _shown, value, last) != last);
            advance(value - last);
        }
    }
}
