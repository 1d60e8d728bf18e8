using FairKd.Core;
using FairKd.Data.Imaging;
using FairKd.Data.Train;

namespace FairKd.Data.Tests.Train;

/// <summary>The rule that training preprocesses its images as the caches it distils from record.</summary>
public class TrainPreprocessingTests
{
    private static readonly LandmarkSource Lmk = new("unaligned", "/data/unaligned/landmarks.txt", "aaaaaaaaaaaaaaaaaaaaaaaa");

    private static CacheUse Cache(string dir, UnalignedPolicy policy, IEnumerable<LandmarkSource> landmarks, params string[] datasets) =>
        new(dir, PreprocessingRecord.For(ImagingOptions.Default with { Unaligned = policy }, landmarks), datasets);

    [Fact]
    public void Without_caches_the_run_uses_its_own_options()
    {
        Assert.Equal(ImagingOptions.Default, TrainPreprocessing.Resolve([], null, []).Imaging);
        Assert.Equal(UnalignedPolicy.CenterCrop, TrainPreprocessing.Resolve([], UnalignedPolicy.CenterCrop, [Lmk]).Imaging.Unaligned);
    }

    [Fact]
    public void With_a_cache_the_run_takes_its_policy_and_accepts_the_same_landmarks()
    {
        var r = TrainPreprocessing.Resolve([Cache("c1", UnalignedPolicy.CenterCrop, [Lmk], "unaligned", "real")], null, [Lmk with { File = "elsewhere/landmarks.txt" }]);
        Assert.Equal(UnalignedPolicy.CenterCrop, r.Imaging.Unaligned);
        Assert.Equal(112, r.Imaging.OutputSize);
        Assert.Empty(r.Warnings);
        Assert.Equal(UnalignedPolicy.CenterCrop, TrainPreprocessing.Resolve([Cache("c1", UnalignedPolicy.CenterCrop, [], "real")], UnalignedPolicy.CenterCrop, []).Imaging.Unaligned);
    }

    [Fact]
    public void An_explicit_policy_that_contradicts_the_cache_is_refused_with_both_values()
    {
        var e = Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([Cache("caches/c1", UnalignedPolicy.CenterCrop, [], "real")], UnalignedPolicy.Reject, []));
        Assert.Contains("--unaligned: the cache caches/c1 was made with 'center-crop', this run has 'reject'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Landmarks_must_be_the_ones_the_cache_was_made_with()
    {
        var cache = Cache("caches/c1", UnalignedPolicy.Reject, [Lmk], "unaligned");
        var none = Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([cache], null, []));
        Assert.Contains("was made with landmarks for dataset 'unaligned' (/data/unaligned/landmarks.txt, SHA-256 aaaaaaaaaaaa), this run has none: pass --landmarks unaligned=FILE",
            none.Message, StringComparison.Ordinal);

        var other = Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([cache], null, [Lmk with { File = "other.txt", Sha256 = "bbbbbbbbbbbbbbbbbbbb" }]));
        Assert.Contains("made with /data/unaligned/landmarks.txt (SHA-256 aaaaaaaaaaaa), this run has other.txt (SHA-256 bbbbbbbbbbbb)", other.Message, StringComparison.Ordinal);

        var extra = Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([Cache("caches/c2", UnalignedPolicy.CenterCrop, [], "unaligned")], null, [Lmk]));
        Assert.Contains("made without landmarks for dataset 'unaligned', this run has /data/unaligned/landmarks.txt", extra.Message, StringComparison.Ordinal);

        // a cache's landmarks for a dataset the run does not train on do not matter
        Assert.Empty(TrainPreprocessing.Resolve([Cache("caches/c1", UnalignedPolicy.Reject, [Lmk], "real")], null, []).Warnings);
    }

    [Fact]
    public void Caches_that_disagree_and_records_this_FairKd_cannot_follow_are_refused()
    {
        var e = Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve(
            [Cache("a", UnalignedPolicy.Reject, [], "real"), Cache("b", UnalignedPolicy.CenterCrop, [], "syn")], null, []));
        Assert.Contains("the cache a was made with 'reject', the cache b with 'center-crop'", e.Message, StringComparison.Ordinal);

        var newer = new CacheUse("n", new PreprocessingRecord { Version = 2 }, ["real"]);
        Assert.Contains("preprocessing record version 2", Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([newer], null, [])).Message, StringComparison.Ordinal);
        var bgr = new CacheUse("n", new PreprocessingRecord { Channels = "bgr chw" }, ["real"]);
        Assert.Contains("channels 'bgr chw'", Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([bgr], null, [])).Message, StringComparison.Ordinal);
        var big = new CacheUse("n", new PreprocessingRecord { Size = 224 }, ["real"]);
        Assert.Equal(224, TrainPreprocessing.Resolve([big], null, []).Imaging.OutputSize);
    }

    [Fact]
    public void A_cache_from_before_the_record_gives_its_policy_and_a_warning_that_landmarks_are_unchecked()
    {
        var legacy = new CacheUse("old", PreprocessingRecord.FromLegacy("arcface-112 (x-127.5)/127.5 rgb, unaligned=centercrop"), ["real"]);
        var r = TrainPreprocessing.Resolve([legacy], null, [Lmk]);
        Assert.Equal(UnalignedPolicy.CenterCrop, r.Imaging.Unaligned);
        Assert.Contains(r.Warnings, w => w.Contains("cannot check that --landmarks match", StringComparison.Ordinal));
        Assert.Throws<UsageException>(() => TrainPreprocessing.Resolve([legacy], UnalignedPolicy.Reject, []));
        var unknown = TrainPreprocessing.Resolve([new CacheUse("odd", null, ["real"])], null, []);
        Assert.Single(unknown.Warnings);
    }
}
