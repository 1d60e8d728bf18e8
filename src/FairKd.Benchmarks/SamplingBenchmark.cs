using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FairKd.Core.Sampling;
using FairKd.Core.Tests.Sampling;
using FairKd.Data.Manifest;

namespace FairKd.Benchmarks;

/// <summary>
/// `sampling` suite: (1) the fast sampler against the step-by-step reference (tests/.../ReferenceProtocols.cs, linked)
/// on an input the reference finishes in about a minute, equal removal order asserted; (2) equal output for every
/// protocol on a smaller input; (3) a full manifest build at study scale (110K identities, ~3.6M images) with its
/// wall time and peak working set. Writes src/FairKd.Benchmarks/results/sampling.md.
/// Arguments: [--ref-ids N] (default 30000) [--out DIR] (default: a temp folder, deleted).
/// </summary>
internal static class SamplingBenchmark
{
    public static int Run(string[] args)
    {
        var refIds = ArgInt(args, "--ref-ids", 30_000);
        var lines = new List<string>();
        void Log(string s)
        {
            Console.WriteLine(s);
            lines.Add(s);
        }

        // (2) every protocol and target kind, equal output, moderate size
        var small = SamplingData.Identities(1500, 11);
        foreach (SamplingProtocol p in Enum.GetValues<SamplingProtocol>())
            foreach (var t in new[] { SamplingTarget.Remove(700), SamplingTarget.Keep(400), SamplingTarget.KeepImages(small.Sum(x => (long)x.ImageCount) / 3) })
            {
                var fast = IdentitySampler.Run(small, p, t).RemovalOrder;
                if (!fast.SequenceEqual(ReferenceProtocols.RemovalOrder(small, p, t)))
                    throw new InvalidOperationException($"fast and reference differ for {p.Name()} / {t}");
            }

        var quota = new RealQuota(0.7, QuotaUnit.Identities);
        if (!IdentitySampler.Run(small, SamplingProtocol.MultipleForces, SamplingTarget.Keep(600), quota).RemovalOrder
                .SequenceEqual(ReferenceProtocols.RemovalOrder(small, SamplingProtocol.MultipleForces, SamplingTarget.Keep(600), quota)))
            throw new InvalidOperationException("fast and reference differ for the Mix quota");
        Log($"- equal removal order, fast vs reference, for all 7 protocols x 3 target kinds (+ a Mix quota) on {small.Count} identities: yes");

        // (1) timed comparison: protocol_e, remove half
        var ids = SamplingData.Identities(refIds, 12);
        var target = SamplingTarget.Remove(refIds / 2);
        var sw = Stopwatch.StartNew();
        var reference = ReferenceProtocols.RemovalOrder(ids, SamplingProtocol.ProtocolE, target);
        var refTime = sw.Elapsed.TotalSeconds;
        const int repeats = 20;
        sw.Restart();
        SamplingResult? fastResult = null;
        for (var i = 0; i < repeats; i++) fastResult = IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, target);
        var fastTime = sw.Elapsed.TotalSeconds / repeats;
        if (!reference.SequenceEqual(fastResult!.RemovalOrder)) throw new InvalidOperationException("timed comparison: outputs differ");
        Log($"- reference (step by step) on {refIds} identities, protocol_e, remove {refIds / 2}: {refTime:F1} s");
        Log($"- fast sampler on the same input (mean of {repeats}): {fastTime * 1000:F1} ms; equal output: yes; speed-up: {refTime / fastTime:F0}x");

        // full-scale sampler only, every protocol
        var big = SamplingData.Identities(110_000, 13);
        foreach (var p in new[] { SamplingProtocol.ProtocolE, SamplingProtocol.MultipleForces })
        {
            sw.Restart();
            IdentitySampler.Run(big, p, SamplingTarget.Keep(22_094));
            Log($"- fast sampler alone, 110,000 identities -> keep 22,094, {p.Name()}: {sw.Elapsed.TotalMilliseconds:F0} ms");
        }

        big = null;
        GC.Collect();

        // (3) full manifest build at study scale
        var outDir = ArgString(args, "--out") ?? Path.Combine(Path.GetTempPath(), $"fairkd-bench-sampling-{Guid.NewGuid():N}");
        var recipe = RecipeJson.Parse("""
            {"name":"bench-mix","kind":"mix","real":["bupt"],"synthetic":["idiff-uniform","idiff-two-stage","dcface"],
             "protocol":"multiple_forces","target":{"keepIdentities":22094},"realFraction":0.7,"fractionBy":"identities"}
            """, "bench");
        sw.Restart();
        var generated = SamplingData.Samples(SamplingData.StudyScale, 14).LongCount();
        Log($"- generating the {generated} labelled samples alone (included in the build time below): {sw.Elapsed.TotalSeconds:F1} s");
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        sw.Restart();
        var res = ManifestBuilder.BuildAsync(recipe, SamplingData.Samples(SamplingData.StudyScale, 14), outDir, new ManifestBuildOptions()).GetAwaiter().GetResult();
        var buildTime = sw.Elapsed.TotalSeconds;
        var buildCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var n = res.Card.Numbers;
        Log($"- full manifest build (generate + validate + sample + write samples.csv/identities.csv/card, one run): " +
            $"{n.KeptIdentities + n.RemovedIdentities} identities, {n.KeptImages + n.RemovedImages} images -> kept {n.KeptIdentities} identities / {n.KeptImages} images " +
            $"(real fraction {n.RealFraction!.Identities:0.####} of identities): {buildTime:F1} s wall, {buildCpu:F1} s CPU (all threads, incl. GC)");
        Log($"- peak working set of the whole benchmark process: {peak / (1024.0 * 1024 * 1024):F2} GB");
        if (ArgString(args, "--out") is null) Directory.Delete(outDir, recursive: true);

        Write(lines, refTime / fastTime, buildTime, peak, refIds);
        return 0;
    }

    private static void Write(List<string> lines, double speedup, double buildTime, long peak, int refIds)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        var memGb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        var sb = new StringBuilder();
        sb.Append("# Sampling / manifest build benchmark\n\n");
        sb.Append($"Machine: {cpu}, {Environment.ProcessorCount} logical cores (shared with other jobs), {memGb:F1} GB visible to .NET; ");
        sb.Append($"{RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}.\n\n");
        sb.Append($"Command: `dotnet run --project src/FairKd.Benchmarks -c Release -- sampling --ref-ids {refIds}`\n\n");
        sb.Append("Generated metadata (SamplingData.cs): identities with 4-way soft labels per image (main group 0.4-1.0, others 0-0.2); ");
        sb.Append("study scale = bupt 28,000 ids (group folders) + idiff-uniform 10,050 + idiff-two-stage 10,050 + dcface 61,900 ids, ~3.6M images.\n\n");
        sb.Append("## Results\n\n");
        foreach (var l in lines) sb.Append(l).Append('\n');
        sb.Append("\n## Goals\n\n");
        sb.Append($"- >= 100x faster than the reference at equal output: {(speedup >= 100 ? "met" : "NOT met")} ({speedup:F0}x)\n");
        sb.Append($"- full-scale build <= 20 s: {(buildTime <= 20 ? "met" : "NOT met")} ({buildTime:F1} s)\n");
        sb.Append($"- <= 2 GB peak memory: {(peak <= 2L << 30 ? "met" : "NOT met")} ({peak / (1024.0 * 1024 * 1024):F2} GB)\n");
        var dir = Path.Combine(RepoRoot(), "src", "FairKd.Benchmarks", "results");
        Directory.CreateDirectory(dir);
        Core.IO.AtomicFile.WriteAllText(Path.Combine(dir, "sampling.md"), sb.ToString());
        Console.WriteLine($"wrote {Path.Combine(dir, "sampling.md")}");
    }

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FairKd.sln"))) return d.FullName;
        return Environment.CurrentDirectory;
    }

    private static string? ArgString(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int ArgInt(string[] args, string name, int fallback) =>
        ArgString(args, name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
}
