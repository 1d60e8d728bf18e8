using DuckDB.NET.Data;
using FairKd.Data.Tests.Helpers;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>`fairkd ingest --rec` on an MXNet RecordIO file written by the test writer (aligned JPEGs + one corrupt payload).</summary>
public class IngestRecordIOTests
{
    [Fact]
    public void Ingest_reads_a_recordio_file_and_rejects_its_undecodable_record()
    {
        using var tmp = new TempDir("ingest-rec");
        var data = tmp.Combine("demo");
        Assert.Equal(0, ProcessRunner.Fairkd("demo-data", "--out", data, "--scale", "tiny").ExitCode);
        var jpegs = Directory.GetFiles(Path.Combine(data, "real"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(6).ToArray();

        var rec = tmp.Combine("train.rec");
        using (var writer = new RecordIOWriter(rec, tmp.Combine("train.idx")))
        {
            for (var i = 0; i < jpegs.Length; i++)
                writer.Write(i, RecordIOWriter.Pack([i / 2], asArray: i % 2 == 0, (ulong)i, File.ReadAllBytes(jpegs[i])));
            writer.Write(jpegs.Length, RecordIOWriter.Pack([9], asArray: false, 99, "not an image"u8));
        }

        var outDir = tmp.Combine("out");
        var aligned = tmp.Combine("aligned");
        var r = ProcessRunner.Fairkd("ingest", "--rec", $"ms1m={rec}", "--out", outDir, "--workers", "2", "--write-aligned", aligned);
        Assert.True(r.ExitCode == 0, r.ToString());

        using var db = new DuckDBConnection("Data Source=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*), count(DISTINCT identity), min(key) FROM read_parquet('{Path.Combine(outDir, "samples.parquet")}')";
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(jpegs.Length, Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3, Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("ms1m/", reader.GetString(2), StringComparison.Ordinal);
        var rejects = File.ReadAllLines(Path.Combine(outDir, "rejects.csv"));
        Assert.Equal(2, rejects.Length);
        Assert.Contains(",decode,", rejects[1], StringComparison.Ordinal);
        var pngs = Directory.GetFiles(aligned, "*.png", SearchOption.AllDirectories);
        Assert.Equal(jpegs.Length, pngs.Length);
        Assert.All(pngs, f => Assert.Equal(0x89, File.ReadAllBytes(f)[0]));
    }
}
