using System.Diagnostics;
using System.Globalization;
using FairKd.Core.Sampling;
using FairKd.Core.Tests.Sampling;
using FairKd.Data.Manifests;

namespace FairKd.Benchmarks;

/// <summary>
/// Section 5: `fairkd manifest build` (child process) on a generated labels.csv of WebFace42M size, timed with its peak
/// resident memory (VmHWM), and its output checked: the removal order equals the fast sampler's on the same identities
/// and, for its first removals, the step-by-step reference's (the rule the small-scale tests pin); samples.csv holds
/// exactly the kept identities' images.
/// </summary>
internal static class ScaleManifest
{
    private const int ReferenceRemovals = 10;

    public static void Measure(ScaleOptions o, Action<string> line)
    {
        var inv = CultureInfo.InvariantCulture;
        var removals = Math.Min(20_000, o.Identities / 10);
        var cache = Path.Combine(o.Work, "labels");
        Directory.CreateDirectory(cache);
        var sw = Stopwatch.StartNew();
        var ids = ScaleData.WriteLabelsCsv(Path.Combine(cache, CsvLabeledSampleSource.FileName), o.BigKeys, o.Identities, seed: 11);
        var generate = sw.Elapsed.TotalSeconds;
        var csvBytes = new FileInfo(Path.Combine(cache, CsvLabeledSampleSource.FileName)).Length;
        var recipe = Path.Combine(o.Work, "recipe.json");
        File.WriteAllText(recipe, """{"name":"scale","kind":"real","real":["webface"],"protocol":"protocol_e","target":{"removeIdentities":""" + removals.ToString(inv) + "}}");
        var outDir = Path.Combine(o.Work, "release");
        var fairkd = Path.Combine(AppContext.BaseDirectory, "fairkd.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { fairkd, "manifest", "build", recipe, "--cache", cache, "--out", outDir }) psi.ArgumentList.Add(a);
        sw.Restart();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        var cpu = TimeSpan.Zero;
        while (!p.WaitForExit(100))
        {
            peak = Math.Max(peak, HighWaterMark(p.Id));
            try
            {
                cpu = p.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
            }
        }

        var wall = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"fairkd manifest build failed ({p.ExitCode}): {stdout.Result}\n{stderr.Result}");
        Console.WriteLine(stdout.Result);

        var (sameAsSampler, sameAsReference, samplesOk, kept) = Check(ids, outDir, o.BigKeys, removals);
        line("## 5. `fairkd manifest build` at WebFace42M size");
        line("");
        line(($"- input: generated `labels.csv` (the import format), {o.BigKeys:N0} images of {o.Identities:N0} identities in 4 group folders, soft labels " +
            $"with two decimals; {ScaleProbe.Mb(csvBytes)} MB, generated in {generate:F0} s (not in the build time)"));
        line(($"- `fairkd manifest build` (recipe: real, protocol_e, remove {removals:N0} identities), child process: **{wall:F0} s** wall ({cpu.TotalSeconds:F0} s CPU, all threads, sampled every 100 ms), " +
            $"**{peak / (1024.0 * 1024 * 1024):F2} GB** peak resident (VmHWM, sampled every 100 ms); kept {kept:N0} identities"));
        line($"- output: removal order equal to the fast sampler's on the generated identities: {(sameAsSampler ? "yes" : "NO")}; its first {ReferenceRemovals} " +
            $"removals equal the step-by-step reference's (tests/.../ReferenceProtocols.cs, O(R x N log N), so only a prefix at 2 M identities): {(sameAsReference ? "yes" : "NO")}; " +
            $"samples.csv holds exactly the kept identities' images, sorted by key: {(samplesOk ? "yes" : "NO")}");
        line("");
    }

    private static (bool Sampler, bool Reference, bool Samples, int Kept) Check(List<SamplingIdentity> ids, string outDir, long images, int removals)
    {
        var removed = new SortedDictionary<int, string>();
        var keptIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in File.ReadLines(Path.Combine(outDir, "identities.csv")).Skip(1))
        {
            var f = l.Split(',');
            if (f[5] == "kept") keptIds.Add(f[0]);
            else removed.Add(int.Parse(f[6], CultureInfo.InvariantCulture), f[0]);
        }

        var built = removed.Values.ToList();
        var fast = IdentitySampler.Run(ids, SamplingProtocol.ProtocolE, SamplingTarget.Remove(removals)).RemovalOrder.Select(i => ids[i].Key).ToList();
        var reference = ReferenceProtocols.RemovalOrder(ids, SamplingProtocol.ProtocolE, SamplingTarget.Remove(ReferenceRemovals)).Select(i => ids[i].Key).ToList();
        var keptImages = ids.Where(i => keptIds.Contains(i.Key)).Sum(i => (long)i.ImageCount);
        long rows = 0;
        string? previous = null;
        var sorted = true;
        var allKept = true;
        foreach (var l in File.ReadLines(Path.Combine(outDir, "samples.csv")).Skip(1))
        {
            var f = l.Split(',');
            if (previous is not null && string.CompareOrdinal(previous, f[3]) >= 0) sorted = false;
            if (!keptIds.Contains(f[1])) allKept = false;
            previous = f[3];
            rows++;
        }

        return (built.SequenceEqual(fast), built.Take(ReferenceRemovals).SequenceEqual(reference), sorted && allKept && rows == keptImages && rows <= images, keptIds.Count);
    }

    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (var l in File.ReadLines($"/proc/{pid}/status"))
                if (l.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(l.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
