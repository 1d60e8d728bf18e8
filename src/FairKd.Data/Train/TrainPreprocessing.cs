using FairKd.Core;
using FairKd.Data.Imaging;

namespace FairKd.Data.Train;

/// <summary>One teacher cache as training uses it: its folder, the preprocessing it records (null when it records
/// none that this FairKd can read) and the datasets of the training images it serves.</summary>
public sealed record CacheUse(string Directory, PreprocessingRecord? Recorded, IReadOnlyCollection<string> Datasets);

/// <summary>The imaging options training uses and what the caller should be warned about.</summary>
public sealed record TrainImaging(ImagingOptions Imaging, IReadOnlyList<string> Warnings);

/// <summary>
/// The rule that makes cached-target distillation compare like with like: a training image is preprocessed exactly as
/// `fairkd embed` preprocessed it before caching the teacher's embedding. With caches, training takes their recorded
/// output size and unaligned policy; an explicit `--unaligned` that differs, caches that disagree, and landmarks that
/// differ from the ones a cache was made with (given for a dataset the cache had none for, missing for one it had,
/// or another file) are refused (<see cref="UsageException"/>, exit 2) naming each setting and both values.
/// </summary>
public static class TrainPreprocessing
{
    /// <summary>The caches of <paramref name="targets"/> with the datasets of <paramref name="samples"/> each serves.</summary>
    public static List<CacheUse> UsesOf(CacheTeacherTargets targets, IReadOnlyList<TrainSample> samples)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(samples);
        var caches = targets.Caches;
        var served = caches.Select(_ => new SortedSet<string>(StringComparer.Ordinal)).ToList();
        foreach (var s in samples)
        {
            var i = targets.CacheOf(s.Key);
            if (i >= 0) served[i].Add(s.Dataset);
        }

        return [.. caches.Select((c, i) => new CacheUse(c.Directory, c.Metadata.RecordedPreprocessing(), served[i]))];
    }

    /// <summary>
    /// The imaging options for training against <paramref name="caches"/> (none: the defaults with
    /// <paramref name="unaligned"/>), given the run's explicit <c>--unaligned</c> (null when not given) and its
    /// <c>--landmarks</c> files.
    /// </summary>
    public static TrainImaging Resolve(IReadOnlyList<CacheUse> caches, UnalignedPolicy? unaligned, IReadOnlyList<LandmarkSource> landmarks)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(landmarks);
        var problems = new List<string>();
        var warnings = new List<string>();
        ImagingOptions? chosen = null;
        string? chosenFrom = null;
        foreach (var c in caches.Where(c => c.Datasets.Count > 0))
        {
            if (c.Recorded is not { } rec)
            {
                warnings.Add($"--cache {c.Directory} does not record its preprocessing in a form this FairKd reads: train cannot check that it preprocesses the images as the cache did");
                continue;
            }

            ImagingOptions options;
            try
            {
                options = rec.ToImagingOptions($"--cache {c.Directory}");
            }
            catch (UsageException e)
            {
                problems.Add(e.Message);
                continue;
            }

            if (unaligned is { } u && u != options.Unaligned)
                problems.Add($"--unaligned: the cache {c.Directory} was made with '{rec.Unaligned}', this run has '{PreprocessingRecord.UnalignedName(u)}'");
            if (chosen is not null && chosen.OutputSize != options.OutputSize)
                problems.Add($"output size: the cache {chosenFrom} holds {chosen.OutputSize}x{chosen.OutputSize} faces, the cache {c.Directory} {options.OutputSize}x{options.OutputSize}");
            if (chosen is not null && unaligned is null && chosen.Unaligned != options.Unaligned)
                problems.Add($"--unaligned: the cache {chosenFrom} was made with '{PreprocessingRecord.UnalignedName(chosen.Unaligned)}', the cache {c.Directory} with '{rec.Unaligned}'");
            if (chosen is null)
            {
                chosen = options;
                chosenFrom = c.Directory;
            }

            if (rec.IsLegacy)
            {
                warnings.Add($"--cache {c.Directory} was written before caches recorded their landmark files: train cannot check that --landmarks match the images the teacher saw");
                continue;
            }

            foreach (var d in c.Datasets.Order(StringComparer.Ordinal))
            {
                var cached = rec.LandmarksOf(d);
                var given = landmarks.FirstOrDefault(l => l.Dataset == d);
                if (cached is not null && given is null)
                    problems.Add($"--landmarks {d}: the cache {c.Directory} was made with landmarks for dataset '{d}' ({cached.File}, SHA-256 {Short(cached.Sha256)}), " +
                        $"this run has none: pass --landmarks {d}=FILE");
                else if (cached is null && given is not null)
                    problems.Add($"--landmarks {d}: the cache {c.Directory} was made without landmarks for dataset '{d}', this run has {given.File}: " +
                        "drop it, or embed again with it");
                else if (cached is not null && given is not null && cached.Sha256 != given.Sha256)
                    problems.Add($"--landmarks {d}: the cache {c.Directory} was made with {cached.File} (SHA-256 {Short(cached.Sha256)}), " +
                        $"this run has {given.File} (SHA-256 {Short(given.Sha256)})");
            }
        }

        if (problems.Count > 0)
            throw new UsageException("the training images would not be preprocessed as the cached teacher targets were: " + string.Join("; ", problems));
        var imaging = chosen is null ? ImagingOptions.Default with { Unaligned = unaligned ?? UnalignedPolicy.Reject } : chosen;
        return new TrainImaging(imaging, warnings);
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;
}
