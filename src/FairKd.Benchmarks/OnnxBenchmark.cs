using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FairKd.Core.Runtime;
using FairKd.Data.Demo;
using FairKd.Data.Imaging;
using FairKd.Data.Ingest;
using Microsoft.ML.OnnxRuntime;

namespace FairKd.Benchmarks;

/// <summary>
/// `onnx` suite: `fairkd eval --onnx` and `fairkd embed --onnx` end to end against a plain ONNX Runtime loop over the
/// same model and the same faces, decoded and aligned beforehand (issue 22, "ONNX at full speed"). The model is a
/// full-width MobileFaceNet (arcface_torch's definition, 512-d) exported by peers/onnx_export.py with its batch
/// dimension fixed at 1, as downloaded face models usually are (or --model FILE). Images: the demo RFW layout (4 groups x
/// N identities x 4 images of 200x200, aligned with their <c>_lmk.txt</c> landmarks; eval embeds those in pairs, embed
/// all; enough images that the decode workers' read-ahead, about 256 images, is a small share of the watched window). Per
/// round, interleaved, each in a fresh child process: the plain loop with one thread (one session, ONNX Runtime's
/// default options, one Run after another), the plain loop with one thread per core (one session, 1 intra-op thread,
/// each thread taking the next face), <c>fairkd eval</c> (defaults), <c>fairkd eval --onnx-runs 1</c> (one run at a
/// time, the path before concurrent runs) and <c>fairkd embed --no-ethnicity</c> (defaults). Every image counts once and
/// is run with its mirror (2 forward passes). Writes results/onnx.md.
/// usage: onnx [--model FILE.onnx] [--rounds N (3)] [--identities N per group (120)] [--fairkd PATH] [--work DIR (kept)] [--out FILE]
/// </summary>
internal static class OnnxBenchmark
{
    private const int RfwSize = 200;

    /// <summary>The name (without its number) of the threads OnnxFaceEmbedder runs a fixed-batch model on.</summary>
    private const string ModelThreads = "onnx run";

    /// <summary>One measured run: images/s as printed (whole run) and in the steady window (<see cref="CommandProfile"/>;
    /// the plain loops: their timed loop, both); CPU ms per forward pass in that window; of that, ms per pass on the
    /// threads that run the model ("onnx run N", NaN where the model runs elsewhere) and ms per image on all other threads
    /// (decode + align + mirror, pipeline, JIT, GC), with its largest thread groups; wall seconds; load average before and after.</summary>
    private sealed record Sample(double Rate, double SteadyRate, double CpuMsPerPass, double ModelMsPerPass, double OtherMsPerImage, string Other,
        double Wall, string LoadBefore, string LoadAfter);

    private static readonly string[] Kinds = ["plain loop, 1 thread", "plain loop, 1 thread per core", "fairkd eval --onnx", "fairkd eval --onnx --onnx-runs 1", "fairkd embed --onnx"];

    public static int Run(string[] args)
    {
        string? model = null;
        var rounds = 3;
        var identities = 120;
        string? fairkd = null;
        string? keep = null;
        var output = Path.Combine(BenchPaths.ProjectDir, "results", "onnx.md");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--model": model = Path.GetFullPath(args[++i]); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--identities": identities = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fairkd": fairkd = args[++i]; break;
                case "--work": keep = Path.GetFullPath(args[++i]); break;
                case "--out": output = Path.GetFullPath(args[++i]); break;
                default:
                    Console.Error.WriteLine($"onnx: unknown option {args[i]} (use --model FILE.onnx, --rounds N, --identities N, --fairkd PATH, --work DIR, --out FILE)");
                    return 2;
            }
        }

        fairkd ??= FairkdCli.DefaultPath();
        if (!File.Exists(fairkd))
        {
            Console.Error.WriteLine($"onnx: {fairkd} not found: build src/FairKd.Cli first (make build) or pass --fairkd PATH");
            return 2;
        }

        var work = keep ?? Path.Combine(Path.GetTempPath(), $"fairkd-bench-onnx-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            var described = model is null ? Export(work, out model) : $"`{Path.GetFileName(model)}` (given with --model, {new FileInfo(model).Length:N0} bytes)";
            if (model is null) return 1;
            return Measure(work, model, described, rounds, identities, fairkd, output);
        }
        finally
        {
            if (keep is null && Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Exports the benchmark's model with peers/onnx_export.py; null model (and the reason on stderr) when Python or torch is missing.</summary>
    private static string Export(string work, out string? model)
    {
        var path = Path.Combine(work, "mobilefacenet_fixed1.onnx");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(BenchPaths.ProjectDir, "peers", "onnx_export.py"));
        psi.ArgumentList.Add(path);
        model = null;
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                Console.Error.WriteLine($"onnx: peers/onnx_export.py failed (exit {p.ExitCode}; it needs Debian's python3-torch and python3-onnx), or pass --model FILE.onnx:\n{stderr.Result}");
                return "";
            }

            var info = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
            model = path;
            return string.Create(CultureInfo.InvariantCulture,
                $"full-width MobileFaceNet (arcface_torch definition, {info.GetProperty("parameters").GetInt64():N0} parameters, 512-d, seeded random weights), exported by `peers/onnx_export.py` (torch {info.GetProperty("torch").GetString()}, opset 13) with the batch dimension fixed at 1: {info.GetProperty("bytes").GetInt64():N0} bytes");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"onnx: /usr/bin/python3 not run ({e.Message}); pass --model FILE.onnx");
            return "";
        }
    }

    private static int Measure(string work, string model, string described, int rounds, int identities, string fairkd, string output)
    {
        var data = Path.Combine(work, $"data-{identities}");
        if (!Directory.Exists(data))
        {
            // generated beside and renamed when complete, so a kept --work folder never holds a half-written set
            var partial = data + ".partial";
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            var tiny = DemoDataOptions.ForScale(DemoScale.Tiny, 1);
            DemoDataGenerator.Generate(partial, tiny with { RfwIdentitiesPerGroup = identities, RfwImagesPerIdentity = 4, RfwPairsPerFold = identities / 3, RfwSize = RfwSize });
            Directory.Move(partial, data);
        }

        var rfw = Path.Combine(data, "rfw");
        var lmk = Path.Combine(work, "rfw_lmk.txt");
        File.WriteAllLines(lmk, Directory.GetFiles(Path.Combine(rfw, "test", "txts"), "*_lmk.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines));
        var pairImages = EvalEmbedBenchmark.PairImages(rfw, lmk).Count;
        var folderImages = Directory.GetFiles(Path.Combine(rfw, "test", "data"), "*.jpg", SearchOption.AllDirectories).Length;
        var cores = Environment.ProcessorCount;
        var loadBefore = BenchHost.LoadAverage();
        var samples = Kinds.ToDictionary(k => k, _ => new List<Sample>());
        var decodeMs = new List<double>();
        Console.WriteLine($"onnx: {model}; {pairImages} pair images, {folderImages} in the folder; {rounds} interleaved rounds");
        for (var r = 1; r <= rounds; r++)
        {
            samples[Kinds[0]].Add(Plain(model, rfw, lmk, 1, decodeMs));
            samples[Kinds[1]].Add(Plain(model, rfw, lmk, cores, decodeMs));
            samples[Kinds[2]].Add(Command(fairkd, ["eval", "--onnx", model, "--rfw", rfw, "--out", Path.Combine(work, $"eval-{r}")]));
            samples[Kinds[3]].Add(Command(fairkd, ["eval", "--onnx", model, "--rfw", rfw, "--onnx-runs", "1", "--out", Path.Combine(work, $"eval-serial-{r}")]));
            var cache = Path.Combine(work, $"cache-{r}");
            samples[Kinds[4]].Add(Command(fairkd, ["embed", "--dataset", $"rfw={rfw}/test/data:group/identity/image", "--landmarks", $"rfw={lmk}",
                "--onnx", model, "--no-ethnicity", "--out", cache]));
            Directory.Delete(cache, recursive: true);
            Console.WriteLine(string.Join("; ", Kinds.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k} {samples[k][^1].SteadyRate:F1}"))) + $" img/s (round {r}/{rounds})");
        }

        var text = Markdown(samples, described, rounds, pairImages, folderImages, decodeMs, loadBefore);
        File.WriteAllText(output, text);
        Console.Write(text);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>Runs a fairkd command under a <see cref="CommandProfile"/>.</summary>
    private static Sample Command(string fairkd, string[] args)
    {
        var load = LoadNow();
        var clock = Stopwatch.StartNew();
        var p = CommandProfile.Run(fairkd, args);
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = p.SteadyCpu;
        var images = (double)p.SteadyImages;
        var model = cpu.GetValueOrDefault(ModelThreads);
        var other = cpu.Where(g => g.Key != ModelThreads).ToList();
        var groups = string.Join(", ", other.Where(g => g.Value > 0).OrderByDescending(g => g.Value).Take(4)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"`{g.Key}` {g.Value * 1000 / images:F2}")));
        return new Sample(p.PrintedRate, p.SteadyRate, (model + other.Sum(g => g.Value)) * 1000 / (2 * images), model > 0 ? model * 1000 / (2 * images) : double.NaN,
            other.Sum(g => g.Value) * 1000 / images, groups, wall, load, LoadNow());
    }

    /// <summary>Runs the plain loop in a child process (`onnx-plain`), so it starts as fresh as the commands.</summary>
    private static Sample Plain(string model, string rfw, string lmk, int threads, List<double> decodeMs)
    {
        var load = LoadNow();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "FairKd.Benchmarks.dll"), "onnx-plain", model, rfw, lmk, threads.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"onnx-plain child failed (exit {p.ExitCode}): {stdout}\n{stderr.Result}");
        var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        var passes = json.GetProperty("passes").GetInt32();
        var seconds = json.GetProperty("seconds").GetDouble();
        decodeMs.Add(json.GetProperty("decodeCpuMsPerImage").GetDouble());
        var cpuMs = json.GetProperty("cpuSeconds").GetDouble() * 1000 / passes;
        return new Sample(passes / 2.0 / seconds, passes / 2.0 / seconds, cpuMs, cpuMs, double.NaN, "", clock.Elapsed.TotalSeconds, load, LoadNow());
    }

    /// <summary>
    /// `onnx-plain MODEL RFW LMK THREADS` (run by <see cref="Plain"/>): decodes and aligns every RFW pair image and its
    /// mirror (twice: the second, warm pass is timed apart, as CPU per image), then runs them through one <see cref="InferenceSession"/>, one Run per
    /// face: with THREADS 1 one after another with ONNX Runtime's default options, otherwise THREADS threads with 1
    /// intra-op thread each, each taking the next face. Prints one JSON line (passes, seconds, CPU seconds of the loop).
    /// </summary>
    public static int PlainMain(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine("usage: onnx-plain MODEL RFW LMK THREADS");
            return 2;
        }

        var threads = int.Parse(args[3], CultureInfo.InvariantCulture);
        var images = EvalEmbedBenchmark.PairImages(args[1], args[2]);
        var pre = new FacePreprocessor(ImagingOptions.Default);
        var size = pre.OutputSize;
        var faces = new List<float[]>();
        var decodeMs = 0.0;
        for (var pass = 0; pass < 2; pass++)
        {
            faces.Clear();
            var decode0 = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var (bytes, landmarks) in images)
            {
                var chw = pre.Process(bytes, landmarks).Chw ?? throw new InvalidOperationException("a benchmark image did not align");
                var mirror = new float[chw.Length];
                FaceLoader.Mirror(chw, mirror, size);
                faces.Add(chw);
                faces.Add(mirror);
            }

            decodeMs = (Process.GetCurrentProcess().TotalProcessorTime - decode0).TotalMilliseconds / images.Count;
        }

        using var options = new SessionOptions();
        if (threads > 1) options.IntraOpNumThreads = 1;
        using var session = new InferenceSession(args[0], options);
        var input = session.InputMetadata.Keys.First();
        var output = session.OutputMetadata.Keys.First();
        var results = new float[faces.Count][];
        void RunOne(int i)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(faces[i], [1, 3, size, size]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [input], [value], [output]);
            results[i] = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        RunOne(0); // warm-up: the first run plans memory
        RunOne(1);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        if (threads == 1)
        {
            for (var i = 0; i < faces.Count; i++) RunOne(i);
        }
        else
        {
            var next = -1;
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < faces.Count) RunOne(i);
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine(JsonSerializer.Serialize(new { passes = faces.Count, seconds, cpuSeconds = cpu, decodeCpuMsPerImage = decodeMs, ort = OrtEnv.Instance().GetVersionString() }));
        return 0;
    }

    private static string LoadNow() => BenchHost.LoadAverage().Split(' ')[0];

    private static string Markdown(Dictionary<string, List<Sample>> s, string described, int rounds, int pairImages, int folderImages, List<double> decodeMs, string loadBefore)
    {
        var inv = CultureInfo.InvariantCulture;
        double Med(IEnumerable<double> v) => TeacherBenchmark.Median(v.ToList());
        double Ratio(string a, string b, Func<Sample, double> rate) => Med(s[a].Select((x, k) => rate(x) / rate(s[b][k])));
        string Ms(IEnumerable<double> v) => v.Any(double.IsNaN) ? "-" : Med(v).ToString("F2", inv);
        var host = HostInfo.Current();
        var sb = new StringBuilder();
        sb.AppendLine("# ONNX models: `fairkd eval --onnx` and `fairkd embed --onnx` against a plain ONNX Runtime loop").AppendLine();
        sb.AppendLine(inv, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(inv, $"- Machine: {host.CpuModel}, CPU family.model.stepping {host.Family} (`lscpu` model name and family), {host.LogicalCores} cores, {host.Os}; .NET {Environment.Version}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
        sb.AppendLine(inv, $"- Load average (1, 5, 15 min): {loadBefore} at start, {BenchHost.LoadAverage()} at the end. The 2 cores are shared with other jobs (other engineers' builds and tests): absolute rates move with the load, compare the runs of one round");
        sb.AppendLine(inv, $"- Model: {described}");
        sb.AppendLine(inv, $"- Images: the demo RFW layout, {folderImages} images of {RfwSize}x{RfwSize} aligned with their `_lmk.txt` landmarks; eval and the plain loops embed the {pairImages} in pairs, embed the whole folder. Every image runs with its mirror: img/s counts images, 2 forward passes each");
        sb.AppendLine("- Plain loop (`onnx-plain`, a child process): the faces are decoded, aligned and mirrored first (not timed), then one `InferenceSession` runs them after 2 warm-up runs, one `Run` per face (batch 1): with 1 thread, one after another with ONNX Runtime's default options (the user's loop); with 1 thread per core, one session with 1 intra-op thread shared by that many threads, each taking the next face");
        sb.AppendLine("- `fairkd eval --onnx MODEL --rfw DIR` and `fairkd embed --dataset rfw=DIR:group/identity/image --landmarks rfw=LMK --onnx MODEL --no-ethnicity` with their defaults (batch 32, decode workers = cores, `--onnx-runs` = cores with 1 intra-op thread each); `--onnx-runs 1` is one run at a time with ONNX Runtime's default threads, the path before concurrent runs");
        sb.AppendLine("- Steady img/s: the commands from their first progress line at or past 25 % to their closing line (start-up, model load and the first images' warm-up, JIT and ONNX Runtime's first runs, left out as in the plain loop); printed img/s: the rate the command prints, over its whole embedding phase");
        sb.AppendLine("- CPU (from /proc, user + system) in the same window, split by thread: `model` = the threads FairKd names `onnx run N` (with `--onnx-runs 1` the model runs on a pool thread and ONNX Runtime's own threads, not split out), `other` = every other thread (decode + align + mirror on the .NET pool, pipeline, JIT, GC, Parquet)");
        sb.AppendLine(inv, $"- {rounds} interleaved rounds, each run a fresh process").AppendLine();
        sb.AppendLine("Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- onnx`").AppendLine();
        sb.AppendLine("| run | steady img/s | printed img/s | CPU ms / pass | model ms / pass | other ms / image | steady img/s of every round |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var k in Kinds)
            sb.AppendLine(inv, $"| {k} | {Med(s[k].Select(x => x.SteadyRate)):F1} | {Med(s[k].Select(x => x.Rate)):F1} | {Ms(s[k].Select(x => x.CpuMsPerPass))} | {Ms(s[k].Select(x => x.ModelMsPerPass))} | {Ms(s[k].Select(x => x.OtherMsPerImage))} | {string.Join(", ", s[k].Select(x => x.SteadyRate.ToString("F1", inv)))} |");
        sb.AppendLine().AppendLine("Ratios (median of the per-round ratios; the runs of a round are back to back):").AppendLine();
        sb.AppendLine("| | steady / plain loop, 1 thread per core | steady / plain loop, 1 thread | printed / plain loop, 1 thread per core | CPU per image: plain loop, 1 thread per core / this |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        var pass = Med(s[Kinds[1]].Select(x => x.CpuMsPerPass));
        foreach (var k in Kinds.Skip(2))
            sb.AppendLine(inv, $"| {k} | {Ratio(k, Kinds[1], x => x.SteadyRate):F2} | {Ratio(k, Kinds[0], x => x.SteadyRate):F2} | {Ratio(k, Kinds[1], x => x.Rate):F2} | {pass / Med(s[k].Select(x => x.CpuMsPerPass)):F2} |");
        sb.AppendLine().AppendLine(inv, $"`fairkd eval --onnx` / `fairkd eval --onnx --onnx-runs 1` (steady): {Ratio(Kinds[2], Kinds[3], x => x.SteadyRate):F2}.").AppendLine();
        var decode = Med(decodeMs);
        sb.AppendLine(inv, $"Profile (medians): a forward pass costs {pass:F2} ms CPU in the plain loop with 1 thread per core, {Ms(s[Kinds[2]].Select(x => x.ModelMsPerPass))} ms on the run threads of `fairkd eval` and {Ms(s[Kinds[4]].Select(x => x.ModelMsPerPass))} ms on those of `fairkd embed`; ");
        sb.AppendLine(inv, $"their other threads spend {Ms(s[Kinds[2]].Select(x => x.OtherMsPerImage))} and {Ms(s[Kinds[4]].Select(x => x.OtherMsPerImage))} ms per image, where decode + align + mirror alone is {decode:F2} ms (the plain loop's preparation, timed warm on one thread). ");
        sb.AppendLine(inv, $"When the cores are saturated the img/s ratio follows the CPU per image (last column of the ratios); decoding alone bounds it at 2 x {pass:F2} / (2 x {pass:F2} + {decode:F2}) = {2 * pass / ((2 * pass) + decode):F2}.").AppendLine();
        sb.AppendLine("Every run (steady img/s, printed img/s, CPU ms / pass, model ms / pass, other ms / image [its largest thread groups, ms / image], wall s, load before -> after):").AppendLine();
        for (var r = 0; r < rounds; r++)
        {
            sb.AppendLine(inv, $"- round {r + 1}:");
            foreach (var k in Kinds)
            {
                var x = s[k][r];
                sb.AppendLine(inv, $"  - {k}: {x.SteadyRate:F1}, {x.Rate:F1}, {x.CpuMsPerPass:F2}, {(double.IsNaN(x.ModelMsPerPass) ? "-" : x.ModelMsPerPass.ToString("F2", inv))}, " +
                    $"{(double.IsNaN(x.OtherMsPerImage) ? "-" : x.OtherMsPerImage.ToString("F2", inv))}{(x.Other.Length > 0 ? $" [{x.Other}]" : "")}, {x.Wall:F1} s, {x.LoadBefore} -> {x.LoadAfter}");
            }
        }

        sb.AppendLine().AppendLine("Goal (issue 22): `fairkd eval --onnx` and `fairkd embed --onnx` at >= 0.90 of the plain loop.");
        return sb.ToString();
    }
}
