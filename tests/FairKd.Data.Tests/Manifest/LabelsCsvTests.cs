using FairKd.Core;
using FairKd.Data.Manifest;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>labels.csv, the documented import format: columns by name, empty labels allowed, malformed rows reported by line.</summary>
public class LabelsCsvTests
{
    private const string Header = "key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256\n";

    [Fact]
    public void Reads_rows_in_storage_order_and_fingerprints_the_file()
    {
        using var tmp = new TempDir("lc");
        File.WriteAllText(tmp.Combine("labels.csv"), Header +
            "bupt/Asian/x/1.jpg,bupt,bupt/Asian/x,Asian,Asian/x/1.jpg,0.1,0.6,0.2,0.1,\n" +
            "\"syn/\"\"q\"\"/1.png\",syn,syn/q,,\"a,b/1.png\",,,,,\n");
        var src = LabeledSampleSources.ForCache(tmp.Path);
        var rows = src.Read(tmp.Path).ToList();
        Assert.Equal([0.1f, 0.6f, 0.2f, 0.1f], rows[0].Ethnicity);
        Assert.Equal("Asian", rows[0].FolderGroup);
        Assert.Null(rows[1].FolderGroup);
        Assert.Empty(rows[1].Ethnicity);
        Assert.Equal("a,b/1.png", rows[1].RelativePath);
        Assert.StartsWith("labels.csv sha256:", src.Fingerprint(tmp.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_rows_are_listed_with_line_numbers_and_count()
    {
        using var tmp = new TempDir("lc");
        File.WriteAllText(tmp.Combine("labels.csv"), Header +
            "k1,d,i,,r,0.1,0.2,0.3,0.4,\n" +
            "k2,d,i,Martian,r,0.1,0.2,0.3,0.4,\n" +
            "k3,d,i,,r,0.1,x,0.3,0.4,\n" +
            "k4,d,i,,r,0.1,,0.3,0.4,\n");
        var e = Assert.Throws<UsageException>(() => new CsvLabeledSampleSource().Read(tmp.Path).ToList());
        Assert.Contains("3 malformed rows", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 3: unknown group 'Martian'", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 4: p_asian is not a number", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 5: soft labels: set all four", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cache_without_labels_is_a_usage_error()
    {
        using var tmp = new TempDir("lc");
        Assert.Throws<UsageException>(() => LabeledSampleSources.ForCache(tmp.Path));
        File.WriteAllText(tmp.Combine("labels.csv"), "key,dataset\n");
        var e = Assert.Throws<UsageException>(() => new CsvLabeledSampleSource().Read(tmp.Path).ToList());
        Assert.Contains("missing: identity, group", e.Message, StringComparison.Ordinal);
    }
}
