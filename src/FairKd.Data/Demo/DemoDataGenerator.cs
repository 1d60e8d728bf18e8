using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using FairKd.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace FairKd.Data.Demo;

/// <summary>What <see cref="DemoDataGenerator.Generate"/> did.</summary>
/// <param name="Skipped">True when the folder already held complete demo data with the same options.</param>
/// <param name="Images">Images rendered by this call (0 when skipped).</param>
/// <param name="Files">Files the folder holds: every subset file plus README.txt and the demo manifest.</param>
/// <param name="Elapsed">Wall time of the call.</param>
/// <param name="Subsets">File count and listing digest per subset name.</param>
public sealed record DemoDataResult(bool Skipped, int Images, int Files, TimeSpan Elapsed, IReadOnlyDictionary<string, SubsetDigest> Subsets);

/// <summary>
/// Generates the procedural demo data (see README.txt it writes, and <see cref="DemoDataOptions"/> for counts) into a
/// folder. Deterministic: every image is rendered from seeds derived from (seed, subset, identity, image), so the
/// output is byte-identical whatever the worker count. Files are written under a temporary name and renamed.
/// Reruns: the same options over a complete tree do nothing; the same options over a partial tree regenerate it;
/// different options, or a non-empty folder that is not demo data, are refused with <see cref="UsageException"/>.
/// </summary>
public static class DemoDataGenerator
{
    private const string ReadmeName = "README.txt";

    /// <summary>Generates (or verifies and skips) the demo data in <paramref name="outDir"/>; <paramref name="imagesDone"/> receives the running count of rendered images.</summary>
    public static DemoDataResult Generate(string outDir, DemoDataOptions options, IProgress<int>? imagesDone = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        var root = Path.GetFullPath(outDir);

        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            var existing = DemoManifest.TryRead(root)
                ?? throw new UsageException($"{outDir} is not empty and holds no {DemoManifest.FileName}; choose an empty or new --out folder");
            if (!existing.SameOptions(options))
                throw new UsageException(
                    $"{outDir} already holds demo data generated with other options ({Describe(existing)}); use another --out folder or delete it");
            if (IsComplete(root, existing))
                return new DemoDataResult(true, 0, existing.Subsets.Values.Sum(s => s.Files) + 2, clock.Elapsed, existing.Subsets);
            RemoveGenerated(root);
        }

        Directory.CreateDirectory(root);
        var optionsJson = DemoManifest.OptionsJson(options);
        var empty = new Dictionary<string, SubsetDigest>();
        WriteText(root, DemoManifest.FileName, new DemoManifest(DemoManifest.CurrentFormat, DemoManifest.Version, false, optionsJson, empty).ToJson());

        var plan = DemoLayout.Plan(options);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var landmarks = RenderAll(root, plan.Images, options.Workers, hashes, imagesDone, cancellationToken);
        foreach (var (path, content) in plan.Texts) hashes[path] = WriteText(root, path, content);
        foreach (var (path, content) in landmarks) hashes[path] = WriteText(root, path, content);
        WriteText(root, ReadmeName, DemoReadme.Text(options));

        var subsets = new Dictionary<string, SubsetDigest>(StringComparer.Ordinal);
        foreach (var subset in DemoLayout.Subsets)
        {
            var prefix = subset + "/";
            subsets[subset] = DemoManifest.Digest(hashes.Where(h => h.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Select(h => new KeyValuePair<string, string>(h.Key[prefix.Length..], h.Value)));
        }

        WriteText(root, DemoManifest.FileName, new DemoManifest(DemoManifest.CurrentFormat, DemoManifest.Version, true, optionsJson, subsets).ToJson());
        return new DemoDataResult(false, plan.Images.Count, hashes.Count + 2, clock.Elapsed, subsets);
    }

    /// <summary>Renders, encodes and writes every image in parallel; returns the landmark files' contents in plan order.</summary>
    private static List<(string Path, string Content)> RenderAll(string root, IReadOnlyList<ImageJob> jobs, int workers,
        Dictionary<string, string> hashes, IProgress<int>? imagesDone, CancellationToken ct)
    {
        foreach (var dir in jobs.Select(j => Path.GetDirectoryName(Path.Combine(root, j.RelativePath))!).Distinct(StringComparer.Ordinal))
            Directory.CreateDirectory(dir);

        var shas = new string[jobs.Count];
        var points = new float[jobs.Count][];
        var done = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct };
        try
        {
            Parallel.For(0, jobs.Count, parallel, i =>
            {
                var job = jobs[i];
                var nuisance = FaceNuisance.For(job.Identity, job.Style, new DemoRandom(job.NuisanceSeed));
                var face = FaceRenderer.Render(job.Identity, nuisance, job.Placement, job.Style);
                shas[i] = WriteRegenerable(Path.Combine(root, job.RelativePath), Encode(face, job.Png));
                points[i] = face.Landmarks;
                imagesDone?.Report(Interlocked.Increment(ref done));
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            throw;
        }

        var files = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < jobs.Count; i++)
        {
            hashes[jobs[i].RelativePath] = shas[i];
            if (jobs[i].Landmarks is not { } entry) continue;
            if (!files.TryGetValue(entry.File, out var sb))
            {
                files[entry.File] = sb = new StringBuilder();
                order.Add(entry.File);
            }

            sb.Append(entry.Path).Append('\t').Append(entry.Label.ToString(CultureInfo.InvariantCulture)).Append('\t');
            sb.AppendJoin(' ', points[i].Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))).Append('\n');
        }

        return order.Select(f => (f, files[f].ToString())).ToList();
    }

    private static byte[] Encode(RenderedFace face, bool png)
    {
        using var image = Image.LoadPixelData<Rgb24>(face.Pixels, face.Size, face.Size);
        using var stream = new MemoryStream();
        if (png) image.SaveAsPng(stream, new PngEncoder());
        else image.SaveAsJpeg(stream, new JpegEncoder { Quality = 95 });
        return stream.ToArray();
    }

    private static string WriteText(string root, string relativePath, string content)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return WriteRegenerable(path, Encoding.UTF8.GetBytes(content));
    }

    /// <summary>Writes a demo file atomically (not fsynced: a damaged tree is found by its SHA-256 and regenerated) and returns its SHA-256.</summary>
    private static string WriteRegenerable(string path, byte[] bytes)
    {
        Core.IO.AtomicFile.WriteAllBytes(path, bytes, durable: false);
        return Core.IO.FileHash.Sha256(bytes);
    }

    private static bool IsComplete(string root, DemoManifest manifest) =>
        manifest.Complete
        && manifest.FairKdVersion == DemoManifest.Version
        && File.Exists(Path.Combine(root, ReadmeName))
        && DemoLayout.Subsets.All(s => manifest.Subsets.TryGetValue(s, out var digest) && digest == DemoManifest.DigestOnDisk(root, s));

    /// <summary>Removes what an earlier (partial or outdated) run with the same options wrote; nothing else.</summary>
    private static void RemoveGenerated(string root)
    {
        foreach (var subset in DemoLayout.Subsets)
        {
            var dir = Path.Combine(root, subset);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }

        File.Delete(Path.Combine(root, ReadmeName));
    }

    private static string Describe(DemoManifest m) =>
        $"scale {m.Options["scale"]?.ToString() ?? "?"}, seed {m.Options["seed"]?.ToString() ?? "?"}";
}
