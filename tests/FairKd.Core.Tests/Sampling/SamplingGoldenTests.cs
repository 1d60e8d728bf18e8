using System.Text.Json;
using FairKd.Core.Records;
using FairKd.Core.Sampling;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Sampling;

/// <summary>
/// Removal orders computed by an independent Python reading of the study's rules with exact rationals
/// (tests/golden/sampling/generate.py). Its columns are in the study's order (Caucasian, Asian, Indian, African),
/// mapped here by name to FairKd's storage order, so a wrong mapping fails.
/// </summary>
public class SamplingGoldenTests
{
    [Fact]
    public void Fast_sampler_matches_the_python_golden_removal_orders()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Golden("sampling/protocols.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(70, cases.Count);
        var nonTrivial = 0;
        foreach (var c in cases)
        {
            var columns = c.GetProperty("columns").EnumerateArray().Select(x => EthnicGroups.IndexOf(x.GetString())).ToArray();
            Assert.Equal(["Caucasian", "Asian", "Indian", "African"], c.GetProperty("columns").EnumerateArray().Select(x => x.GetString()));
            var ids = c.GetProperty("identities").EnumerateArray().Select(x =>
            {
                var sum = default(LabelSum);
                var images = 0;
                foreach (var img in x.GetProperty("images").EnumerateArray())
                {
                    var p = new float[4];
                    var k = 0;
                    foreach (var v in img.EnumerateArray()) p[columns[k++]] = v.GetInt32() / 64f;
                    sum += LabelSum.FromProbabilities(p);
                    images++;
                }

                return new SamplingIdentity(x.GetProperty("key").GetString()!, "s", false,
                    EthnicGroups.IndexOf(x.GetProperty("folder").GetString()), images, sum);
            }).ToList();
            var value = c.GetProperty("value").GetInt32();
            var target = c.GetProperty("target").GetString() switch
            {
                "remove" => SamplingTarget.Remove(value),
                "keep" => SamplingTarget.Keep(value),
                _ => SamplingTarget.KeepImages(value),
            };
            var protocol = SamplingProtocols.Parse(c.GetProperty("protocol").GetString()!);
            var expected = c.GetProperty("removed").EnumerateArray().Select(x => x.GetString()!).ToList();
            var r = IdentitySampler.Run(ids, protocol, target);
            Assert.True(expected.SequenceEqual(r.RemovalOrder.Select(i => ids[i].Key)),
                $"{protocol.Name()} {target}: expected {string.Join(" ", expected)}, got {string.Join(" ", r.RemovalOrder.Select(i => ids[i].Key))}");
            if (expected.Count > 1) nonTrivial++;
        }

        Assert.True(nonTrivial > 40);
    }
}
