using FairKd.Core.Records;
using FairKd.Core.Sampling;

namespace FairKd.Benchmarks;

/// <summary>Generated metadata at study scale: a real dataset with group folders plus three synthetic ones, soft labels per image.</summary>
internal static class SamplingData
{
    /// <summary>(dataset, identities, mean images per identity, real). Study scale: 110K identities, ~3.6M images.</summary>
    public static readonly (string Name, int Ids, int MeanImages, bool Real)[] StudyScale =
    [
        ("bupt", 28_000, 46, true),
        ("idiff-uniform", 10_050, 50, false),
        ("idiff-two-stage", 10_050, 50, false),
        ("dcface", 61_900, 20, false),
    ];

    /// <summary>Streams labelled samples (deterministic for a seed); identities get 1 .. 2*mean-1 images.</summary>
    public static IEnumerable<LabeledSample> Samples((string Name, int Ids, int MeanImages, bool Real)[] spec, int seed)
    {
        var rnd = new Random(seed);
        foreach (var (name, ids, mean, real) in spec)
            for (var i = 0; i < ids; i++)
            {
                var main = rnd.Next(4);
                var group = real ? EthnicGroups.Order[main] : null;
                var folder = real ? $"{group}/m.{i:x6}" : $"{i:000000}";
                var identity = $"{name}/{folder}";
                var images = 1 + rnd.Next((2 * mean) - 1);
                for (var k = 0; k < images; k++)
                {
                    var rest = 1f;
                    var probs = new float[4];
                    for (var c = 0; c < 4; c++)
                    {
                        if (c == main) continue;
                        probs[c] = (float)(rnd.NextDouble() * 0.2);
                        rest -= probs[c];
                    }

                    probs[main] = rest;
                    var rel = $"{folder}/{k:0000}.jpg";
                    yield return new LabeledSample($"{name}/{rel}", name, identity, group, rel, probs, null);
                }
            }

    }

    /// <summary>Identities directly (for the sampler-only comparison): same distribution, labels summed.</summary>
    public static List<SamplingIdentity> Identities(int count, int seed)
    {
        var rnd = new Random(seed);
        var list = new List<SamplingIdentity>(count);
        for (var i = 0; i < count; i++)
        {
            var main = rnd.Next(4);
            var images = 1 + rnd.Next(60);
            var sum = default(LabelSum);
            for (var k = 0; k < images; k++)
            {
                var probs = new float[4];
                var rest = 1f;
                for (var c = 0; c < 4; c++)
                {
                    if (c == main) continue;
                    probs[c] = (float)(rnd.NextDouble() * 0.2);
                    rest -= probs[c];
                }

                probs[main] = rest;
                sum += LabelSum.FromProbabilities(probs);
            }

            list.Add(new SamplingIdentity($"id{rnd.Next():x8}-{i}", i % 3 == 0 ? "bupt" : "syn", i % 3 == 0, main, images, sum));
        }

        return list;
    }
}
