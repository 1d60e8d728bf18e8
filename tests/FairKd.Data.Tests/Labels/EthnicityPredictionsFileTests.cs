using FairKd.Core;
using FairKd.Data.Labels;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Labels;

public class EthnicityPredictionsFileTests
{
    private static EthnicityPredictionsFile Write(TempDir dir, params string[] lines)
    {
        var path = dir.Combine("predictions.txt");
        File.WriteAllLines(path, lines);
        return EthnicityPredictionsFile.Read(path);
    }

    [Fact]
    public void Maps_the_study_column_order_matches_by_path_suffix_and_skips_a_header()
    {
        using var dir = new TempDir("pred");
        var f = Write(dir, "p_Caucasian,p_Asian,p_Indian,p_African,x,path", "0.1,0.2,0.3,0.4,7,/mnt/x/African/id1/a.jpg",
            "0.7,0.1,0.1,0.1,7,C:\\data\\Caucasian\\id2\\b.jpg");
        Assert.Equal(2, f.Lines);
        Assert.Empty(f.Malformed);
        Assert.True(f.TryFind("African/id1/a.jpg", out var p, out _));
        Assert.Equal([0.4f, 0.2f, 0.1f, 0.3f], p!); // African, Asian, Caucasian, Indian
        Assert.True(f.TryFind("id2/b.jpg", out p, out _));
        Assert.Equal(0.7f, p![2]);
        Assert.False(f.TryFind("id3/c.jpg", out _, out var problem));
        Assert.Contains("no line", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Ambiguous_suffixes_and_malformed_lines_are_reported()
    {
        using var dir = new TempDir("pred");
        var f = Write(dir, "0.1,0.2,0.3,0.4,0,/a/id1/x.jpg", "0.1,0.2,0.3,0.4,0,/b/id1/x.jpg", "0.5,0.5", "0.1,abc,0.3,0.4,0,/c/id9/y.jpg",
            "0.1,1.5,0.3,0.4,0,/c/id9/z.jpg");
        Assert.False(f.TryFind("id1/x.jpg", out _, out var problem));
        Assert.Contains("several prediction lines", problem, StringComparison.Ordinal);
        Assert.True(f.TryFind("a/id1/x.jpg", out _, out _)); // a longer suffix still tells them apart
        Assert.Equal([3, 4, 5], f.Malformed.Select(m => m.Line));
        Assert.Throws<UsageException>(() => EthnicityPredictionsFile.Read(dir.Combine("missing.txt")));
    }
}
