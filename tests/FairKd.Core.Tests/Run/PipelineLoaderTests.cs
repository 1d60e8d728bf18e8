using FairKd.Core.Run;

namespace FairKd.Core.Tests.Run;

public class PipelineLoaderTests
{
    private const string Minimal = """
        {
          // comments and trailing commas are allowed
          "schemaVersion": 1,
          "name": "t",
          "vars": { "root": "runs/x", "data": "${root}/data", },
          "out": "${root}/out",
          "datasets": { "real": { "path": "${data}/real", "layout": "group/identity/image", "images": 10 } },
        }
        """;

    [Fact]
    public void Substitutes_nested_variables_and_overrides()
    {
        var doc = PipelineLoader.Parse(Minimal, "t.json");
        Assert.Equal("runs/x/out", doc.Out);
        Assert.Equal("runs/x/data/real", doc.Datasets["real"].Path);
        var o = PipelineLoader.Parse(Minimal, "t.json", new Dictionary<string, string> { ["root"] = "/big" });
        Assert.Equal("/big/out", o.Out);
        Assert.Equal("/big/data/real", o.Datasets["real"].Path);
        Assert.Equal("/big/data", o.Vars["data"]);
    }

    [Theory]
    [InlineData("""{"schemaVersion": 2, "out": "x"}""", "schemaVersion 2")]
    [InlineData("""{"schemaVersion": 1}""", "\"out\"")]
    [InlineData("""{"schemaVersion": 1, "out": "${nope}"}""", "$.out uses ${nope}")]
    [InlineData("""{"schemaVersion": 1, "vars": {"a": "${b}", "b": "${a}"}, "out": "x"}""", "refers to itself")]
    [InlineData("""{"schemaVersion": 1, "out": "x", "teachers": {"t": {"modle": "r34"}}}""", "modle")]
    [InlineData("""{"schemaVersion": 1, "out": "x",""", "not valid JSON")]
    [InlineData("""[1]""", "JSON object")]
    public void Refuses_bad_files_naming_the_problem(string json, string message)
    {
        var e = Assert.Throws<UsageException>(() => PipelineLoader.Parse(json, "p.json"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("p.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_override_of_an_unknown_variable()
    {
        var e = Assert.Throws<UsageException>(() => PipelineLoader.Parse(Minimal, "t.json", new Dictionary<string, string> { ["rot"] = "/x" }));
        Assert.Contains("no variable 'rot'", e.Message, StringComparison.Ordinal);
    }
}
