using System.Globalization;
using FairKd.Core.Eval;
using FairKd.Tests.Shared;

namespace FairKd.Core.Tests.Eval;

public sealed class FairnessMetricsTests
{
    /// <summary>Rows of a Markdown table that follows the heading starting with <paramref name="heading"/>.</summary>
    private static List<Dictionary<string, string>> Table(string heading)
    {
        var lines = File.ReadAllLines(ReferenceFiles.PaperResults);
        var start = Array.FindIndex(lines, l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.True(start >= 0, $"heading '{heading}' not found in paper-results.md");
        var rows = lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
        static string[] Cells(string l) => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
        var header = Cells(rows[0]);
        return rows.Skip(2).Select(r => header.Zip(Cells(r)).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    private static readonly string[] Groups = ["African", "Asian", "Caucasian", "Indian"];

    public static TheoryData<string> Tables => new() { "## Table 1", "## Table 2" };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Std_ser_and_average_reproduce_every_published_row(string heading)
    {
        var rows = Table(heading);
        Assert.True(rows.Count >= 5, $"{heading}: only {rows.Count} rows parsed");
        foreach (var row in rows)
        {
            double P(string k) => double.Parse(row[k], CultureInfo.InvariantCulture);
            var groups = Groups.Select(g => new GroupAccuracy(g, P(g))).ToList();
            var s = FairnessMetrics.Summarise(groups);
            var label = string.Join(' ', row.Values.Take(3));
            Assert.True(Math.Abs(s.Average - P("Average")) <= 0.01 + 1e-9, $"{label}: average {s.Average:F4} vs {P("Average")}");
            Assert.True(Math.Abs(s.Std - P("STD")) <= 0.01 + 1e-9, $"{label}: STD {s.Std:F4} vs {P("STD")}");
            Assert.True(Math.Abs(s.Ser!.Value - P("SER")) <= 0.01 + 1e-9, $"{label}: SER {s.Ser:F4} vs {P("SER")}");
        }
    }

    [Fact]
    public void Worked_example_from_the_paper_notes()
    {
        var s = FairnessMetrics.Summarise([new("Caucasian", 97.40), new("Indian", 96.07), new("Asian", 95.52), new("African", 95.95)]);
        Assert.Equal(0.81, Math.Round(s.Std, 2));
        Assert.Equal(1.72, Math.Round(s.Ser!.Value, 2));
        Assert.Equal(96.235, s.Average, 1e-9);
    }

    [Fact]
    public void Ser_is_null_when_a_group_is_perfect_and_bad_input_is_refused()
    {
        Assert.Null(FairnessMetrics.Summarise([new("a", 100), new("b", 99)]).Ser);
        Assert.Throws<ArgumentException>(() => FairnessMetrics.Summarise([new("a", 99)]));
        Assert.Throws<ArgumentException>(() => FairnessMetrics.Summarise([new("a", 99), new("b", 0.99 * 200)]));
    }

    [Fact]
    public void Fmr_ratio_is_null_when_some_group_never_false_matches()
    {
        // Group b's impostors are all far away; a's overlap the genuine pairs.
        var rng = new Random(5);
        GroupPairs Make(string name, double impostorMean)
        {
            var d = new double[2000];
            var s = new bool[2000];
            for (var i = 0; i < d.Length; i++)
            {
                s[i] = i % 2 == 0;
                d[i] = s[i] ? 0.5 + rng.NextDouble() : impostorMean + rng.NextDouble();
            }

            return new GroupPairs(name, d, s);
        }

        var r = FairnessMetrics.FmrAtGlobalThreshold([Make("a", 1.0), Make("b", 3.0)]);
        Assert.NotNull(r);
        Assert.Equal(0, r.Groups.Single(g => g.Group == "b").Fmr);
        Assert.True(r.Groups.Single(g => g.Group == "a").Fmr > 0);
        Assert.Null(r.MaxMinFmrRatio);
        Assert.Null(FairnessMetrics.FmrAtGlobalThreshold([Make("a", 1.0)], targetFar: 1e-4)); // 1000 impostors < 10000
    }
}
