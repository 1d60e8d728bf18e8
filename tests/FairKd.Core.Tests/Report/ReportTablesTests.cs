using System.Globalization;
using FairKd.Core.Eval;
using FairKd.Core.Report;

namespace FairKd.Core.Tests.Report;

public sealed class ReportTablesTests
{
    private static readonly string[] Groups = ["African", "Asian", "Caucasian", "Indian"];

    /// <summary>An eval.json with the given group accuracies (percent, EthnicGroups order) and benchmark accuracies (fractions).</summary>
    internal static EvalResult Eval(double[]? groups, params (string Name, double Acc)[] sets)
    {
        var list = new List<TargetSetResult>();
        RfwFairness? rfw = null;
        if (groups is not null)
        {
            for (var g = 0; g < 4; g++) list.Add(Set(Groups[g], TargetSetKind.RfwGroup, groups[g] / 100, Groups[g]));
            var s = FairnessMetrics.Summarise(Groups.Select((g, i) => new GroupAccuracy(g, groups[i])).ToList());
            rfw = RfwFairness.From(s, []);
        }

        list.AddRange(sets.Select(x => Set(x.Name, TargetSetKind.Bin, x.Acc, null)));
        return new EvalResult
        {
            Model = new EvalModelInfo("m", "fp", null),
            Protocol = EvalProtocolInfo.From(VerificationProtocol.Default),
            Sets = list,
            Rfw = rfw,
        };
    }

    private static TargetSetResult Set(string name, TargetSetKind kind, double acc, string? group) =>
        new(name, kind, group, "fp", 600, 300, 300, acc, 0.01, [acc], [1.2], [], 0.99, [new RocPoint(0, 0), new RocPoint(1, 1)]);

    private static List<ReportRun> Runs() =>
    [
        new("a", new RunLabel(Loss: "AdaFace", Model: "ResNet 50", Distillation: false, Data: "Real"),
            Eval([95.13, 95.15, 97.30, 95.78], ("lfw", 0.9967), ("cplfw", 0.9128), ("calfw", 0.9555), ("agedb_30", 0.9653), ("cfp_fp", 0.9686))),
        new("b", new RunLabel(Loss: "AdaFace", Model: "r50", Distillation: true, Data: "Real"),
            Eval([95.93, 95.57, 97.73, 96.27], ("lfw", 0.9963), ("agedb_30", 0.9685))),
        new("c", new RunLabel(), Eval(null, ("lfw", 0.98))),
    ];

    [Fact]
    public void Fairness_table_marks_highest_accuracy_and_lowest_std_and_ser()
    {
        var t = ReportTables.Fairness(Runs());
        var md = t.ToMarkdown();
        var lines = md.Split('\n');
        Assert.StartsWith("| Run | Loss | Model | Distillation | Data | Caucasian | Indian | Asian | African | Average | STD | SER |", lines[0], StringComparison.Ordinal);
        // Run b has every higher accuracy; a has the higher STD (1.02 vs 0.95) but the lower SER (1.80 vs 1.95).
        Assert.Contains("| b | AdaFace | r50 | Yes | Real | **97.73** | **96.27** | **95.57** | **95.93** | **96.38** | **0.95** | 1.95 |", md, StringComparison.Ordinal);
        Assert.Contains("| a | AdaFace | ResNet 50 | No | Real | 97.30 | 95.78 | 95.15 | 95.13 | 95.84 | 1.02 | **1.80** |", md, StringComparison.Ordinal);
        Assert.Contains("| c | - | - | - | - | - | - | - | - | - | - | - |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Benchmark_table_shows_missing_sets_and_averages_only_complete_rows()
    {
        var t = ReportTables.Benchmark(Runs());
        var md = t.ToMarkdown();
        Assert.Contains("| a | AdaFace | ResNet 50 | No | Real | 95.84 | **99.67** | **91.28** | **95.55** | 96.53 | **96.86** | **95.95** |", md, StringComparison.Ordinal);
        Assert.Contains("| b | AdaFace | r50 | Yes | Real | **96.38** | 99.63 | - | - | **96.85** | - | - |", md, StringComparison.Ordinal);
        Assert.Contains("| c | - | - | - | - | - | 98.00 | - | - | - | - | - |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_parses_back_to_the_numbers_and_lists_best_columns()
    {
        var t = ReportTables.Fairness(Runs());
        var rows = ParseCsv(t.ToCsv());
        Assert.Equal(4, rows.Count);
        Assert.Equal([.. t.Columns.Select(c => c.Header), "best"], rows[0]);
        var std = rows[0].IndexOf("STD");
        Assert.Equal(t.Rows[0][std].Number, double.Parse(rows[1][std], CultureInfo.InvariantCulture));
        Assert.Equal("", rows[3][std]);
        Assert.Equal("SER", rows[1][^1]);
        Assert.Equal("Caucasian;Indian;Asian;African;Average;STD", rows[2][^1]);
        var csvTable = new ReportTable("q", [new ReportColumn("name, with \"quotes\"", false)], [[ReportCell.Of("x,y")]]).ToCsv();
        Assert.Equal([["name, with \"quotes\"", "best"], ["x,y", ""]], ParseCsv(csvTable));
    }

    [Fact]
    public void Published_columns_fill_matching_rows_only()
    {
        var published = PublishedResults.Parse(File.ReadAllText(FairKd.Tests.Shared.ReferenceFiles.PaperResults));
        var fair = ReportTables.Fairness(Runs(), published);
        var md = fair.ToMarkdown();
        Assert.Contains("paper Average | paper STD | paper SER |", md, StringComparison.Ordinal);
        Assert.Contains("| 95.84 | 1.02 | 1.80 |\n", md, StringComparison.Ordinal);   // a = Table 2 "ResNet 50 | No | Real"
        Assert.Contains("| 96.38 | 0.95 | 1.95 |\n", md, StringComparison.Ordinal);   // b = "ResNet 50 | Yes | Real" (r50 alias)
        var bench = ReportTables.Benchmark([new ReportRun("m", new RunLabel(Model: "mbf", Distillation: true, Data: "Mix"), Eval(null))], published);
        Assert.Contains("| 91.67 | 99.43 | 88.97 | 94.70 | 95.12 | 93.49 | 94.34 |", bench.ToMarkdown(), StringComparison.Ordinal);
        Assert.Null(published.Match(new RunLabel(Loss: "ElasticArcFace", Model: "ResNet 50", Distillation: false, Data: "Real"), "Table 2"));
    }

    [Fact]
    public void Operating_point_table_marks_the_lowest_ratios_and_explains_missing_points()
    {
        static OperatingPoint Point(double ratio) => new(1e-3, 12000, new GlobalThresholdFmr(1e-3, 0.9512, 1e-3,
            Groups.Select((g, i) => new GroupFmr(g, 0.001 * (i + 1), 0.2 - (0.01 * i), 3000, 3000) { FalseMatches = 3 * (i + 1), FalseNonMatches = 600 - (30 * i) }).ToList(), ratio)
        {
            MaxGeoMeanFmrRatio = ratio / 2,
            MaxMinFnmrRatio = 0.2 / 0.17,
            MaxGeoMeanFnmrRatio = 1.1,
        }, null);
        ReportRun WithPoints(string name, params OperatingPoint[] points)
        {
            var e = Eval([95, 95, 96, 95]);
            return new ReportRun(name, new RunLabel(), e with { Rfw = e.Rfw! with { OperatingPoints = points } });
        }

        var missing = new OperatingPoint(1e-4, 1200, null, "needs ≥ 10000 impostor pairs (has 1200)");
        var md = ReportTables.OperatingPoints([WithPoints("x", Point(4)), WithPoints("y", Point(2.5), missing), WithPoints("z")]).ToMarkdown();
        // Paper group order: Caucasian (0.3 %), Indian (0.4 %), Asian (0.2 %), African (0.1 %); FNMR 18, 17, 19, 20 %.
        Assert.Contains("| x | 1e-3 | 12000 | 0.9512 | 0.300 | 0.400 | 0.200 | 0.100 | 18.00 | 17.00 | 19.00 | 20.00 | 4.00 | 2.00 | **1.18** | **1.10** | - |", md, StringComparison.Ordinal);
        Assert.Contains("| y | 1e-3 | 12000 | 0.9512 | 0.300 | 0.400 | 0.200 | 0.100 | 18.00 | 17.00 | 19.00 | 20.00 | **2.50** | **1.25** |", md, StringComparison.Ordinal);
        Assert.Contains("| y | 1e-4 | 1200 | - | - | - | - | - | - | - | - | - | - | - | - | - | n/a (needs ≥ 10000 impostor pairs (has 1200)) |", md, StringComparison.Ordinal);
        Assert.Contains("| z | - | - | - | - | - | - | - | - | - | - | - | - | - | - | - | - |", md, StringComparison.Ordinal);
    }

    /// <summary>Minimal RFC 4180 reader for the round-trip checks.</summary>
    internal static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cell.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { row.Add(cell.ToString()); cell.Clear(); }
            else if (ch == '\n') { row.Add(cell.ToString()); cell.Clear(); rows.Add(row); row = []; }
            else cell.Append(ch);
        }

        return rows;
    }
}
