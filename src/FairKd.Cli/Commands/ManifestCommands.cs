using Cocona;
using FairKd.Core;
using FairKd.Data.Manifest;
using FairKd.Data.Manifest.Audit;

namespace FairKd.Cli.Commands;

/// <summary>`fairkd manifest build|card|audit|stats|diff|verify|import|export`: balanced, released, verifiable, audited sample lists.</summary>
internal sealed class ManifestCommands
{
    private const int ShownProblems = 20;

    [Command("build", Description = "Sample identities by a recipe and write a release (samples.csv, identities.csv, card.json, card.md, croissant.json). " +
        "The recipe must give every source's license, access terms and citation (and a synthetic source's generator), ethnicityLabels and datePublished.\n" +
        "  example: fairkd manifest build data-manifests/recipes/mix.json --cache caches/bupt --cache caches/synth --out data-manifests/mix")]
    public Task<int> Build(
        [Argument(Description = "recipe JSON file")] string recipe,
        [Option(Description = "cache folder with labelled samples (repeatable)")] string[] cache,
        [Option(Description = "release folder to write (replaced atomically)")] string @out,
        [Option("ethnicity-holdout", Description = "cache of group-labelled held-out images labelled by the same ethnicity classifier: its per-group accuracy goes into the card")] string? ethnicityHoldout = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        StageCall.RunAsync(verbose, () => new ManifestOptions { Recipe = recipe, Caches = cache, OutDir = @out, EthnicityHoldout = ethnicityHoldout },
            async (options, ct) =>
            {
                await ManifestStage.RunAsync(options, ConsoleReporter.Instance, ct);
                return ExitCodes.Success;
            }, context?.CancellationToken ?? CancellationToken.None);

    [Command("card", Description = "Rewrite a release's card.json, card.md and croissant.json from its recipe (sources, uses), " +
        "an audit and measurements, leaving samples.csv and identities.csv untouched (their SHA-256 must match the card).\n" +
        "  example: fairkd manifest card data-manifests/mix --recipe data-manifests/recipes/mix.json --audit runs/audit-mix/audit.json")]
    public Task<int> Card(
        [Argument(Description = "release folder")] string dir,
        [Option(Description = "the release's recipe JSON file (must sample as the recorded one)")] string recipe,
        [Option(Description = "the caches the release was built from (repeatable): measures the soft-label argmax against the folder groups")] string[]? cache = null,
        [Option("ethnicity-holdout", Description = "cache of group-labelled held-out images labelled by the same ethnicity classifier: its per-group accuracy goes into the card")] string? ethnicityHoldout = null,
        [Option(Description = "audit.json of this release (fairkd manifest audit): its summary goes into the card")] string? audit = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        StageCall.RunAsync(verbose, () => new ManifestCardOptions { Release = dir, Recipe = recipe, Caches = cache ?? [], EthnicityHoldout = ethnicityHoldout, Audit = audit },
            async (options, ct) =>
            {
                await ManifestCardStage.RunAsync(options, ConsoleReporter.Instance, ct);
                return ExitCodes.Success;
            }, context?.CancellationToken ?? CancellationToken.None);

    [Command("audit", Description = "Identity overlap between a release (or every image of --cache) and evaluation sets, from cached teacher embeddings: " +
        "identity centroids compared by cosine, exact duplicates by content hash, near-duplicate images inside the training set. Writes audit.json and audit.md.\n" +
        "  example: fairkd manifest audit data-manifests/mix --cache caches/bupt --cache caches/synth --eval rfw=caches/rfw --eval lfw=caches/lfw --out runs/audit-mix")]
    public Task<int> Audit(
        [Option(Description = "teacher embedding cache of the training images (repeatable)")] string[] cache,
        [Option(Description = "NAME=CACHE: embedding cache of an evaluation set, same teacher (repeatable)")] string[] eval,
        [Option(Description = "folder for audit.json and audit.md")] string @out,
        [Argument(Description = "release folder (optional: without it every image of --cache is the training set)")] string? dir = null,
        [Option("identity-threshold", Description = "identity pairs with centroid cosine at least this overlap, or auto: above the closest two distinct identities of every --eval set (data-manifests/README.md)")] string identityThreshold = "0.9",
        [Option("near-duplicate-threshold", Description = "training image pairs with embedding cosine at least this are near-duplicates")] double nearDuplicateThreshold = 0.98,
        [Option("exact-up-to", Description = "compare every image pair up to this many training images, else LSH")] int exactUpTo = 20_000,
        [Option("lsh-tables", Description = "LSH hash tables (above --exact-up-to)")] int lshTables = 40,
        [Option("lsh-bits", Description = "LSH sign bits per table")] int lshBits = 20,
        [Option(Description = "worker threads (default: the number of cores)")] int? threads = null,
        [Option(Description = "print stack traces on failure")] bool verbose = false,
        [FromService] CoconaAppContext? context = null) =>
        StageCall.RunAsync(verbose, () => new ManifestAuditOptions
            {
                Release = dir, Caches = cache, Eval = eval, OutDir = @out, IdentityThreshold = identityThreshold, NearDuplicateThreshold = nearDuplicateThreshold,
                ExactUpTo = exactUpTo, LshTables = lshTables, LshBits = lshBits, Threads = threads,
            },
            async (options, ct) =>
            {
                await ManifestAuditStage.RunAsync(options, ConsoleReporter.Instance, ct);
                return ExitCodes.Success;
            }, context?.CancellationToken ?? CancellationToken.None);

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
            var card = PathListFormat.Import(paths, root, real ?? [], @out, name, ct);
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
            var n = PathListFormat.Export(dir, format, root ?? [], @out);
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
