using Cocona;
using FairKd.Core;
using FairKd.Core.Sampling;
using FairKd.Data.Manifests;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd manifest build|stats|diff|verify|import|export`: balanced, released, verifiable sample lists.</summary>
internal sealed class ManifestCommands
{
    private const int ShownProblems = 20;

    [Command("build", Description = "Sample identities by a recipe and write a release (samples.csv, identities.csv, card.json, card.md).\n" +
        "  example: fairkd manifest build data-manifests/recipes/mix.json --cache caches/bupt --cache caches/synth --out data-manifests/mix")]
    public Task<int> Build(
        [Argument(Description = "recipe JSON file")] string recipe,
        [Option(Description = "cache folder with labelled samples (repeatable)")] string[] cache,
        [Option(Description = "release folder to write (replaced atomically)")] string @out,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, async ct =>
        {
            if (!File.Exists(recipe)) throw new FileNotFoundException($"recipe not found: {recipe}", recipe);
            if (cache.Length == 0) throw new UsageException("give at least one --cache DIR");
            var r = RecipeJson.Parse(await File.ReadAllTextAsync(recipe, ct), recipe);
            var sources = cache.Select(c => (Dir: c, Source: LabeledSampleSources.ForCache(c))).ToList();
            var fingerprints = sources.Select(s => s.Source.Fingerprint(s.Dir)).ToList();
            var samples = sources.SelectMany(s => s.Source.Read(s.Dir));
            var res = await ManifestBuilder.BuildAsync(r, samples, @out, new ManifestBuildOptions { InputFingerprints = fingerprints }, ct);
            Console.WriteLine($"wrote {res.OutDir}");
            Console.Write(ReleaseStats.Table(res.Card.Numbers));
            return ExitCodes.Success;
        }, CancellationToken.None);

    [Command("stats", Description = "Recompute a release's card from its CSV files and print it as a table; exit 1 if the card disagrees.\n" +
        "  example: fairkd manifest stats data-manifests/mix")]
    public Task<int> Stats(
        [Argument(Description = "release folder")] string dir,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, _ =>
        {
            var report = ReleaseStats.Check(ReleaseReader.Read(dir));
            Console.Write(ReleaseStats.Table(report.Recomputed));
            return Task.FromResult(Problems("card mismatch", report.Mismatches));
        }, CancellationToken.None);

    [Command("diff", Description = "Identities and images added/removed from release A to release B, per group and per source.\n" +
        "  example: fairkd manifest diff data-manifests/mix data-manifests/mix-study")]
    public Task<int> Diff(
        [Argument(Description = "release A (before)")] string a,
        [Argument(Description = "release B (after)")] string b,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, _ =>
        {
            Console.Write(ReleaseDiff.Table(ReleaseDiff.Compare(ReleaseReader.Read(a), ReleaseReader.Read(b))));
            return Task.FromResult(ExitCodes.Success);
        }, CancellationToken.None);

    [Command("verify", Description = "Check that every listed file exists under its dataset root (and its sha256 where recorded); " +
        "paths escaping the root (.., absolute, symlinks out) are refused. Exit 1 on problems.\n" +
        "  example: fairkd manifest verify data-manifests/mix --data-root bupt=/data/BUPT --data-root dcface=/data/DCFace")]
    public Task<int> Verify(
        [Argument(Description = "release folder")] string dir,
        [Option("data-root", Description = "NAME=PATH root of a dataset (repeatable)")] string[]? dataRoot = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, ct =>
        {
            var report = ReleaseVerifier.Verify(ReleaseReader.Read(dir), DataRoots.Parse(dataRoot ?? []), ct);
            Console.WriteLine($"checked {report.Checked} files ({report.Hashed} with a recorded sha256): {report.Problems.Count} problems");
            return Task.FromResult(Problems("problem", report.Problems));
        }, CancellationToken.None);

    [Command("import", Description = "Turn the study authors' list format (one absolute image path per line; identity = parent folder) into a release.\n" +
        "  example: fairkd manifest import --paths synthetic.txt --root dcface=/nas/DCFace --root idiff=/nas/IDiff --out data-manifests/synthetic-authors")]
    public Task<int> Import(
        [Option(Description = "path list file")] string paths,
        [Option(Description = "NAME=PATH dataset root (repeatable); each path must lie under one")] string[] root,
        [Option(Description = "release folder to write")] string @out,
        [Option(Description = "dataset names that are real (the others are synthetic)")] string[]? real = null,
        [Option(Description = "release name (default: the --out folder name)")] string? name = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, ct =>
        {
            var card = PathListFormat.Import(paths, DataRoots.Parse(root), (real ?? []).ToHashSet(StringComparer.Ordinal), @out,
                name ?? Path.GetFileName(Path.GetFullPath(@out).TrimEnd('/')), ManifestBuildOptions.DefaultVersion, ct);
            Console.WriteLine($"wrote {Path.GetFullPath(@out)}");
            Console.Write(ReleaseStats.Table(card.Numbers));
            return Task.FromResult(ExitCodes.Success);
        }, CancellationToken.None);

    [Command("export", Description = "Write a release's samples as a path list (one path per line, in key order): ROOT/relative_path " +
        "for datasets given a --root, else dataset/relative_path.\n" +
        "  example: fairkd manifest export data-manifests/mix --format paths --root bupt=/data/BUPT --out mix.txt")]
    public Task<int> Export(
        [Argument(Description = "release folder")] string dir,
        [Option(Description = "output format (only: paths)")] string format,
        [Option(Description = "file to write")] string @out,
        [Option(Description = "NAME=PATH dataset root (repeatable)")] string[]? root = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false) =>
        CommandGuard.RunAsync(verbose, _ =>
        {
            if (format != "paths") throw new UsageException($"--format {format}: only 'paths' is supported");
            var n = PathListFormat.Export(ReleaseReader.Read(dir), DataRoots.Parse(root ?? []), @out);
            Console.WriteLine($"wrote {n} paths to {@out}");
            return Task.FromResult(ExitCodes.Success);
        }, CancellationToken.None);

    private static int Problems(string what, IReadOnlyList<string> problems)
    {
        foreach (var p in problems.Take(ShownProblems)) Console.Error.WriteLine($"{what}: {p}");
        if (problems.Count > ShownProblems) Console.Error.WriteLine($"... and {problems.Count - ShownProblems} more ({problems.Count} in all)");
        return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }
}
