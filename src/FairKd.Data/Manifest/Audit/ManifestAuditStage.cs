using System.Globalization;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Pipeline;

namespace FairKd.Data.Manifest.Audit;

/// <summary>What an audit wrote and found.</summary>
/// <param name="AuditJson">Path of audit.json.</param>
/// <param name="AuditMarkdown">Path of audit.md.</param>
/// <param name="OverlappingIdentityPairs">Training/evaluation identity pairs at or above the identity threshold, over every evaluation set.</param>
/// <param name="ExactDuplicateGroups">Groups of images with the same content hash (training with evaluation, or inside the training set).</param>
/// <param name="NearDuplicates">Training image pairs at or above the near-duplicate threshold.</param>
/// <param name="Report">Everything the audit found (audit.json).</param>
public sealed record ManifestAuditResult(string AuditJson, string AuditMarkdown, long OverlappingIdentityPairs, long ExactDuplicateGroups,
    long NearDuplicates, AuditReport Report);

/// <summary>
/// The audit stage: the training images (a release's, or every image of its caches) against evaluation sets, from cached
/// teacher embeddings (<see cref="ReleaseAuditor"/>), written as audit.json and audit.md. `fairkd manifest audit` is parse ->
/// <see cref="ManifestAuditOptions"/> -> this -> exit code. <see cref="Prepare"/> checks the options and reads the release
/// before any embedding is loaded or anything written.
/// </summary>
public sealed class ManifestAuditStage
{
    private readonly ManifestAuditOptions _options;
    private readonly AuditOptions _audit;
    private readonly IReadOnlyDictionary<string, string> _evals;
    private readonly Release? _release;

    private ManifestAuditStage(ManifestAuditOptions options, AuditOptions audit, IReadOnlyDictionary<string, string> evals, Release? release)
    {
        _options = options;
        _audit = audit;
        _evals = evals;
        _release = release;
    }

    /// <summary>Checks <paramref name="options"/> (thresholds, LSH settings, NAME=CACHE entries) and reads the release; throws
    /// <see cref="UsageException"/> naming the option to fix.</summary>
    public static ManifestAuditStage Prepare(ManifestAuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Caches.Count == 0) throw new UsageException("give at least one --cache DIR (the training images' embeddings)");
        if (options.Eval.Count == 0) throw new UsageException("give at least one --eval NAME=CACHE");
        ManifestInputs.Required(options.OutDir, "--out DIR");
        var auto = options.IdentityThreshold == "auto";
        var audit = new AuditOptions
        {
            IdentityThreshold = auto ? 0.9 : ParseThreshold(options.IdentityThreshold), AutoIdentityThreshold = auto,
            NearDuplicateThreshold = options.NearDuplicateThreshold, ExactUpTo = options.ExactUpTo,
            LshTables = options.LshTables, LshBits = options.LshBits, Threads = options.Threads ?? MachineDefaults.Workers,
        };
        audit.Validate();
        var evals = DataRoots.Parse(options.Eval);
        var release = options.Release is null ? null : ReleaseReader.Read(options.Release);
        return new ManifestAuditStage(options, audit, evals, release);
    }

    /// <summary><see cref="Prepare"/> then <see cref="RunAsync(StageReporter?, CancellationToken)"/>.</summary>
    public static Task<ManifestAuditResult> RunAsync(ManifestAuditOptions options, StageReporter? reporter, CancellationToken ct) =>
        Prepare(options).RunAsync(reporter, ct);

    /// <summary>Loads the embeddings, audits, writes audit.json and audit.md, and reports the summary (first 10 rows of each
    /// list) and the files to <paramref name="reporter"/>.</summary>
    public async Task<ManifestAuditResult> RunAsync(StageReporter? reporter, CancellationToken ct)
    {
        var log = reporter ?? StageReporter.Silent;
        var keys = _release?.Samples.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var training = await EmbeddingSet.LoadAsync(_release?.Card.Name ?? "training", _options.Caches, keys, ct).ConfigureAwait(false);
        var sets = new List<EmbeddingSet>();
        foreach (var (name, path) in _evals.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sets.Add(await EmbeddingSet.LoadAsync(name, [path], null, ct).ConfigureAwait(false));
        var report = ReleaseAuditor.Run(training, sets, _release?.Card.Name, _audit, ct);
        var outDir = _options.OutDir!;
        var json = Path.Combine(outDir, ReleaseFiles.AuditJson);
        var markdown = Path.Combine(outDir, ReleaseFiles.AuditMarkdown);
        AtomicFile.WriteAllText(json, report.ToJson());
        AtomicFile.WriteAllText(markdown, report.ToMarkdown());
        log.Write(report.ToMarkdown(shown: 10));
        log.Info($"wrote {json} and {ReleaseFiles.AuditMarkdown}");
        return new ManifestAuditResult(json, markdown, report.EvalSets.Sum(e => (long)e.Overlapping.Count), report.ExactDuplicates.Count,
            report.NearDuplicates.Count, report);
    }

    private static double ParseThreshold(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new UsageException($"--identity-threshold {text}: give a cosine in (-1, 1] (e.g. 0.9) or auto");
}
