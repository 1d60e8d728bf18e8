using DuckDB.NET.Data;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd ingest` end to end on generated demo data, with a hostile folder that must be fully quarantined.</summary>
public class IngestCommandTests
{
    private static long Scalar(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Ingest_of_aligned_unaligned_and_hostile_inputs_writes_index_rejects_and_summary()
    {
        using var tmp = new TempDir("ingest");
        var data = tmp.Combine("demo");
        Assert.Equal(0, ProcessRunner.Fairkd("demo-data", "--out", data, "--scale", "tiny").ExitCode);

        // A hostile dataset: zero-byte, garbage, truncated JPEG, PNG bytes named .jpg (decodable), header bomb.
        var bad = tmp.Combine("hostile", "id1");
        Directory.CreateDirectory(bad);
        var goodJpeg = Directory.GetFiles(Path.Combine(data, "real"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var jpeg = File.ReadAllBytes(goodJpeg);
        File.WriteAllBytes(Path.Combine(bad, "a-empty.jpg"), []);
        File.WriteAllBytes(Path.Combine(bad, "b-garbage.jpg"), [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 37))]);
        File.WriteAllBytes(Path.Combine(bad, "c-truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllBytes(Path.Combine(bad, "d-ok.jpg"), jpeg);

        var outDir = tmp.Combine("out");
        var r = ProcessRunner.Fairkd("ingest",
            "--dataset", $"real={Path.Combine(data, "real")}:group/identity/image",
            "--dataset", $"un={Path.Combine(data, "unaligned")}:group/identity/image",
            "--landmarks", $"un={Path.Combine(data, "unaligned", "landmarks.txt")}",
            "--dataset", $"raw={Path.Combine(data, "unaligned")}:group/identity/image",
            "--dataset", $"hostile={tmp.Combine("hostile")}",
            "--out", outDir, "--workers", "2");
        Assert.True(r.ExitCode == 0, r.ToString());

        var realCount = Directory.GetFiles(Path.Combine(data, "real"), "*.jpg", SearchOption.AllDirectories).Length;
        var unalignedCount = Directory.GetFiles(Path.Combine(data, "unaligned"), "*.jpg", SearchOption.AllDirectories).Length;
        var index = Path.Combine(outDir, "samples.parquet");
        // real (pass-through) + unaligned with landmarks + the one good hostile file; unaligned without landmarks are rejected.
        Assert.Equal(realCount + unalignedCount + 1, Scalar($"SELECT count(*) FROM read_parquet('{index}')"));
        Assert.Equal(unalignedCount, Scalar($"SELECT count(*) FROM read_parquet('{index}') WHERE alignment_mode = 'landmarks' AND len(landmarks) = 10"));
        Assert.Equal(realCount + 1, Scalar($"SELECT count(*) FROM read_parquet('{index}') WHERE alignment_mode = 'passthrough' AND length(sha256) = 64"));

        var rejects = File.ReadAllLines(Path.Combine(outDir, "rejects.csv"));
        Assert.Equal("key,stage,reason", rejects[0]);
        Assert.Contains(rejects, l => l.StartsWith("hostile/id1/a-empty.jpg,", StringComparison.Ordinal));
        Assert.Contains(rejects, l => l.StartsWith("hostile/id1/b-garbage.jpg,decode,\"undecodable: unknown format", StringComparison.Ordinal));
        Assert.Contains(rejects, l => l.StartsWith("hostile/id1/c-truncated.jpg,decode,", StringComparison.Ordinal));
        Assert.Equal(unalignedCount, rejects.Count(l => l.StartsWith("raw/", StringComparison.Ordinal) && l.Contains("unaligned: no landmarks", StringComparison.Ordinal)));
        Assert.Contains("rejected", File.ReadAllText(Path.Combine(outDir, "summary.txt")), StringComparison.Ordinal);
        Assert.Contains("warning:", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_root_unknown_layout_and_missing_landmark_file_exit_two()
    {
        using var tmp = new TempDir("ingest");
        var r = ProcessRunner.Fairkd("ingest", "--dataset", $"x={tmp.Combine("nope")}", "--out", tmp.Combine("o"));
        Assert.True(r.ExitCode == 2, r.ToString());
        r = ProcessRunner.Fairkd("ingest", "--dataset", $"x={tmp.Path}:weird/layout", "--out", tmp.Combine("o"));
        Assert.True(r.ExitCode == 2, r.ToString());
        r = ProcessRunner.Fairkd("ingest", "--dataset", $"x={tmp.Path}", "--landmarks", $"x={tmp.Combine("none.txt")}", "--out", tmp.Combine("o"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_command_and_the_library_stage_with_the_same_options_write_the_same_files()
    {
        using var tmp = new TempDir("ingest");
        var data = tmp.Combine("demo");
        Assert.Equal(0, ProcessRunner.Fairkd("demo-data", "--out", data, "--scale", "tiny", "--seed", "4").ExitCode);
        var options = new FairKd.Data.Ingest.IngestOptions
        {
            Datasets = [$"real={Path.Combine(data, "real")}:group/identity/image", $"raw={Path.Combine(data, "unaligned")}:group/identity/image"],
            LandmarkFiles = [],
            Unaligned = FairKd.Data.Imaging.UnalignedPolicy.Reject,
            Workers = 2,
            OutDir = tmp.Combine("library"),
        };
        var cli = ProcessRunner.Fairkd("ingest", "--dataset", options.Datasets[0], "--dataset", options.Datasets[1], "--workers", "2", "--out", tmp.Combine("cli"));
        Assert.True(cli.ExitCode == 0, cli.ToString());

        long reported = 0;
        var stage = FairKd.Data.Ingest.IngestStage.Prepare(options);
        var result = await stage.RunAsync(new Counter(n => Interlocked.Add(ref reported, n)), CancellationToken.None);
        Assert.Equal(stage.Total, reported);
        Assert.Equal(stage.Total, result.Accepted + result.Rejected);
        Assert.True(result.Rejected > 0, "the unaligned images without landmarks are rejected");
        foreach (var f in new[] { "samples.parquet", "rejects.csv" })
            Assert.Equal(File.ReadAllBytes(tmp.Combine("cli", f)), File.ReadAllBytes(tmp.Combine("library", f)));
        static string Counts(string summary) => string.Join("\n", summary.Split('\n').Where(l => !l.StartsWith("ingest:", StringComparison.Ordinal))); // the last line has the time
        Assert.Equal(Counts(File.ReadAllText(tmp.Combine("cli", "summary.txt"))), Counts(result.Summary));

        // bad configuration fails before anything is written, naming what to fix
        var e = Assert.Throws<FairKd.Core.UsageException>(() => FairKd.Data.Ingest.IngestStage.Prepare(options with { OutDir = tmp.Combine("x"), Datasets = [] }));
        Assert.Contains("--dataset", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.Combine("x")));
    }

    private sealed class Counter(Action<long> add) : IProgress<long>
    {
        public void Report(long value) => add(value);
    }
}
