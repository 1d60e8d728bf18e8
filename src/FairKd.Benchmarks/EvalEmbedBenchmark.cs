using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FairKd.Core.Tensors;
using FairKd.Data.Demo;
using FairKd.Data.Eval;
using FairKd.Data.Imaging;
using FairKd.Data.Readers;
using FairKd.Torch.Inference;
using FairKd.Torch.Models;
using FairKd.Torch.Weights;

namespace FairKd.Benchmarks;

/// <summary>
/// `eval-embed` suite: evaluation embedding throughput against the embed stage for the same model on the same images
/// (the demo RFW set, 4 x 120 unaligned 200x200 images aligned with their <c>_lmk.txt</c> landmarks). Per round,
/// interleaved: (1) the raw model, <see cref="TorchFaceEmbedder"/> timed on batches decoded and aligned untimed, image + mirror;
/// (2) <c>fairkd embed</c> over the same folder (its printed img/s); (3) <c>fairkd eval --rfw</c> (its printed img/s).
/// Images per second count each image once (its mirror is embedded too). Writes its section of results/eval.md.
/// usage: eval-embed [--spec SPEC] [--rounds N] [--batch-size N] [--threads N (default 1)] [--fairkd PATH] [--work DIR (kept; default a temp folder, deleted)]
/// </summary>
internal static class EvalEmbedBenchmark
{
    public const string Heading = "## Evaluation embedding throughput";

    private const int RfwSize = 200;

    public static int Run(string[] args)
    {
        var spec = "iresnet18:width=0.25";
        var rounds = 3;
        var batch = 32;
        var threads = 1;
        string? fairkd = null;
        string? keep = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--spec": spec = args[++i]; break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch-size": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fairkd": fairkd = args[++i]; break;
                case "--work": keep = args[++i]; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"eval-embed: unknown option {args[i]}");
                    return 2;
            }
        }

        fairkd ??= FairkdCli.DefaultPath();
        if (!File.Exists(fairkd))
        {
            Console.Error.WriteLine($"eval-embed: {fairkd} not found: build src/FairKd.Cli first (make build) or pass --fairkd PATH");
            return 2;
        }

        var work = keep ?? Path.Combine(Path.GetTempPath(), $"fairkd-evalembed-{Environment.ProcessId}");
        try
        {
            return Measure(work, ModelSpecText.Parse(spec, "--spec"), spec, rounds, batch, threads, fairkd);
        }
        finally
        {
            if (keep is null && Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private static int Measure(string work, ModelSpec spec, string specText, int rounds, int batch, int threads, string fairkd)
    {
        var data = Path.Combine(work, "data");
        var tiny = DemoDataOptions.ForScale(DemoScale.Tiny, 1);
        DemoDataGenerator.Generate(data, tiny with { RfwIdentitiesPerGroup = 30, RfwImagesPerIdentity = 4, RfwPairsPerFold = 10, RfwSize = RfwSize });
        var rfw = Path.Combine(data, "rfw");
        var weights = Path.Combine(work, "model.pth");
        TorchSharp.torch.manual_seed(1);
        using (var m = ModelRegistry.Create(spec)) ModelWeights.SavePyTorch(m, weights);
        var lmk = Path.Combine(work, "rfw_lmk.txt");
        File.WriteAllLines(lmk, Directory.GetFiles(Path.Combine(rfw, "test", "txts"), "*_lmk.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines));

        TorchSharp.torch.set_num_threads(threads);
        var images = PairImages(rfw, lmk);
        var count = images.Count;
        var inFolder = Directory.GetFiles(Path.Combine(rfw, "test", "data"), "*.jpg", SearchOption.AllDirectories).Length;
        Console.WriteLine($"eval-embed: {count} RFW pair images; model {specText}; {rounds} interleaved rounds");
        var rows = new List<string>();
        var raw = new List<(double Rate, double Cpu)>();
        var embed = new List<(double Rate, double Cpu)>();
        var eval = new List<(double Rate, double Cpu)>();
        for (var r = 1; r <= rounds; r++)
        {
            raw.Add(Row(rows, r, "raw TorchFaceEmbedder.Embed", count, child: false, () => RawRate(spec, weights, images, batch)));
            var cache = Path.Combine(work, $"cache-{r}");
            embed.Add(Row(rows, r, "fairkd embed", inFolder, child: true, () => FairkdCli.Rate(fairkd, ["embed", "--dataset", $"rfw={rfw}/test/data:group/identity/image", "--landmarks", $"rfw={lmk}",
                "--teacher", specText, "--weights", weights, "--no-ethnicity", "--batch-size", Str(batch), "--threads", Str(threads), "--out", cache])));
            eval.Add(Row(rows, r, "fairkd eval", count, child: true, () => FairkdCli.Rate(fairkd, ["eval", "--model", specText, "--weights", weights, "--rfw", rfw,
                "--batch-size", Str(batch), "--threads", Str(threads), "--out", Path.Combine(work, $"eval-{r}")])));
            Directory.Delete(cache, recursive: true);
        }

        var text = new StringBuilder()
            .Append(Heading).Append("\n\n")
            .Append("`FairKd.Benchmarks eval-embed` (src/FairKd.Benchmarks/EvalEmbedBenchmark.cs). Same model (random `").Append(specText)
            .Append(CultureInfo.InvariantCulture, $"`, seed 1), the demo RFW layout ({inFolder} images of {RfwSize}x{RfwSize}, aligned with the `_lmk.txt` landmarks; {count} of them are in pairs: raw and eval embed those, embed the whole folder), batch {batch}, ")
            .Append(CultureInfo.InvariantCulture, $"{threads} TorchSharp thread(s) for all three (`--threads`; on a loaded 2-core machine two OpenMP threads ")
            .Append("spin-wait for each other and the CPU per image swings 2-3x from run to run, which swamps the comparison), default decode workers. Every image is embedded with its mirror; img/s counts each image once. ")
            .Append("Raw = `TorchFaceEmbedder.Embed` alone, timed per batch on tensors decoded and aligned untimed just before (the model's upper bound); `fairkd embed` and ")
            .Append("`fairkd eval` = the rate each command prints (decode + align workers, batches, model; embed also writes Parquet). ")
            .Append("CPU s / 100 img = user + system CPU seconds per 100 images (raw: the whole loop, untimed decoding included; commands: the whole process, start-up, ")
            .Append("model load and scoring included), less sensitive to other jobs than img/s. Runs interleaved per round; load average ")
            .Append("(`/proc/loadavg`, 1 min) before and after each run.\n\n")
            .Append("| round | what | img/s | CPU s / 100 img | wall (s) | load before | load after |\n|---:|---|---:|---:|---:|---:|---:|\n");
        foreach (var row in rows) text.Append(row).Append('\n');
        text.Append(CultureInfo.InvariantCulture,
                $"\nMedians: raw {Median(raw, x => x.Rate):F1} img/s ({Median(raw, x => x.Cpu):F2} CPU s / 100 img), ")
            .Append(CultureInfo.InvariantCulture, $"fairkd embed {Median(embed, x => x.Rate):F1} img/s ({Median(embed, x => x.Cpu):F2}), ")
            .Append(CultureInfo.InvariantCulture, $"fairkd eval {Median(eval, x => x.Rate):F1} img/s ({Median(eval, x => x.Cpu):F2}); ")
            .Append(CultureInfo.InvariantCulture, $"eval / embed img/s = {Median(eval, x => x.Rate) / Median(embed, x => x.Rate):F2}, ")
            .Append(CultureInfo.InvariantCulture, $"eval / raw img/s = {Median(eval, x => x.Rate) / Median(raw, x => x.Rate):F2}.\n\n")
            .Append(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}, .NET {Environment.Version}. ")
            .Append("The 2 cores were shared with other jobs (other FairKd helpers building and testing during the run, see the load columns): ")
            .Append("absolute rates move with the load; compare rows of the same round.\n");
        Console.Write(text);
        EvalResultsFile.WriteSection(Heading, text.ToString());
        return 0;
    }

    /// <summary>The encoded bytes and landmarks of every image used by an RFW pair, in path order.</summary>
    internal static List<(byte[] Bytes, FairKd.Core.Records.FaceLandmarks? Landmarks)> PairImages(string rfw, string lmkFile)
    {
        var report = new ReaderReport();
        var table = LandmarkFileReader.Read(lmkFile, report);
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var layout in RfwLayout.Discover(rfw))
        {
            foreach (var p in NamedPairsReader.ReadRfw(layout.PairsFile, report))
            {
                paths.Add($"{layout.Race}/{p.PathA}");
                paths.Add($"{layout.Race}/{p.PathB}");
            }
        }

        return paths.Select(rel =>
        {
            table.Find(rel, out var landmarks);
            return (File.ReadAllBytes(Path.Combine(rfw, "test", "data", rel)), landmarks);
        }).ToList();
    }

    /// <summary>Raw model rate: per batch, decode + align + mirror untimed, then time only the two Embed calls.</summary>
    private static double RawRate(ModelSpec spec, string weights, List<(byte[] Bytes, FairKd.Core.Records.FaceLandmarks? Landmarks)> images, int batch)
    {
        using var model = TorchFaceEmbedder.Create(spec, weights);
        var pre = new FacePreprocessor(ImagingOptions.Default);
        var size = pre.OutputSize;
        var per = 3 * size * size;
        var input = new float[batch * per];
        var flipped = new float[batch * per];
        var output = new float[batch * model.EmbeddingSize];
        model.Embed(input.AsSpan(0, per), 1, output.AsSpan(0, model.EmbeddingSize));
        var timed = TimeSpan.Zero;
        var embedded = 0;
        for (var start = 0; start < images.Count; start += batch)
        {
            var k = 0;
            foreach (var (bytes, landmarks) in images.Skip(start).Take(batch))
            {
                var res = pre.Process(bytes, landmarks);
                if (!res.Succeeded) continue;
                res.Chw.CopyTo(input.AsSpan(k * per, per));
                Chw.FlipHorizontal(res.Chw, flipped.AsSpan(k * per, per), 3, size, size);
                k++;
            }

            var clock = Stopwatch.StartNew();
            model.Embed(input.AsSpan(0, k * per), k, output.AsSpan(0, k * model.EmbeddingSize));
            model.Embed(flipped.AsSpan(0, k * per), k, output.AsSpan(0, k * model.EmbeddingSize));
            timed += clock.Elapsed;
            embedded += k;
        }

        return embedded / timed.TotalSeconds;
    }

    private static (double Rate, double CpuPer100) Row(List<string> rows, int round, string what, int images, bool child, Func<double> run)
    {
        var before = LoadAverage();
        var cpu0 = FairkdCli.CpuSeconds(child);
        var clock = Stopwatch.StartNew();
        var rate = run();
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = (FairkdCli.CpuSeconds(child) - cpu0) * 100 / images;
        rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {round} | {what} | {rate:F1} | {cpu:F2} | {wall:F1} | {before} | {LoadAverage()} |"));
        Console.WriteLine(rows[^1]);
        return (rate, cpu);
    }

    private static string LoadAverage() => BenchHost.LoadAverage().Split(' ')[0];

    private static double Median<T>(List<T> items, Func<T, double> value)
    {
        var s = items.Select(value).Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    private static string Str(int x) => x.ToString(CultureInfo.InvariantCulture);
}
