using FairKd.Core;
using FairKd.Data.Eval;
using FairKd.Data.Labels;
using FairKd.Data.Readers;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Readers;

/// <summary>
/// Every input-file reader given a file of each other kind: the file is refused (a usage error) with the count of
/// malformed lines, the first few, and the option that reads such a file; given its own kind, it passes. Files are
/// recognised by <see cref="InputFormats.Sniff(string)"/>.
/// </summary>
public sealed class InputFileCheckTests : IDisposable
{
    private readonly TempDir dir = new("inputs");
    private readonly Dictionary<InputFormat, string> files = [];

    public InputFileCheckTests()
    {
        foreach (var (format, text) in Texts)
        {
            var path = dir.Combine(format + ".txt");
            File.WriteAllText(path, text);
            files[format] = path;
        }

        var pack = dir.Combine("pack.bin");
        File.Copy(RepoPaths.Golden("eval/packs/p3-bytes.bin"), pack);
        files[InputFormat.BinPack] = pack;
    }

    private static readonly (InputFormat Format, string Text)[] Texts =
    [
        (InputFormat.LfwPairs, "1\t2\nAnn\t1\t2\nBob\t1\t3\nAnn\t1\tBob\t2\nCid\t2\tDee\t1\n"),
        (InputFormat.RfwPairs, "m.0a\t1\t2\nm.0b\t1\t3\nm.0a\t1\tm.0b\t2\nm.0c\t2\tm.0d\t1\n"),
        (InputFormat.LabeledPairs, "ann/ann_1.jpg 1\nann/ann_2.jpg 1\nbob/bob_1.jpg 0\ncid/cid_1.jpg 0\n"),
        (InputFormat.Landmarks, string.Concat(Enumerable.Range(1, 4).Select(i => $"id{i}/img_{i}.jpg\t1\t38.3 51.7 73.5 51.5 56.0 71.7 41.5 92.4 70.7 92.2\n"))),
        (InputFormat.PathList, "id1/a.jpg\nid1/b.jpg\nid2/c.jpg\nid2/d.png\n"),
        (InputFormat.EthnicityPredictions, "0.1,0.2,0.3,0.4,x,/data/id1/a.jpg\n0.7,0.1,0.1,0.1,x,/data/id1/b.jpg\n0.2,0.2,0.2,0.4,x,/data/id2/c.jpg\n"),
    ];

    public static TheoryData<InputFormat> Formats() =>
    [
        InputFormat.LfwPairs, InputFormat.RfwPairs, InputFormat.LabeledPairs, InputFormat.Landmarks, InputFormat.PathList,
        InputFormat.EthnicityPredictions, InputFormat.BinPack,
    ];

    public static TheoryData<InputFormat, InputFormat> ReaderAndFile()
    {
        var data = new TheoryData<InputFormat, InputFormat>();
        foreach (var reader in Formats())
            foreach (var file in Formats())
                data.Add(reader, file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Each_kind_of_file_is_recognised(InputFormat format) => Assert.Equal(format, InputFormats.Sniff(files[format]));

    [Theory]
    [MemberData(nameof(ReaderAndFile))]
    public void A_reader_accepts_its_own_kind_and_refuses_every_other_kind_naming_the_right_option(InputFormat reader, InputFormat file)
    {
        var path = files[file];
        var error = Record.Exception(() => Read(reader, path));
        if (reader == file)
        {
            Assert.Null(error);
            return;
        }

        var usage = Assert.IsType<UsageException>(error);
        Assert.StartsWith("--option " + path + ": ", usage.Message, StringComparison.Ordinal);
        Assert.Contains($"this looks like {InputFormats.Describe(file)}: use {InputFormats.OptionFor(file)}", usage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lfw_pairs_txt_given_as_a_cplfw_list_counts_its_malformed_lines_and_shows_the_first_five()
    {
        var lines = new List<string> { "10\t300" };
        for (var i = 0; i < 3000; i++) lines.Add($"Person_{i}\t1\t2");
        for (var i = 0; i < 3000; i++) lines.Add($"Person_{i}\t1\tOther_{i}\t1");
        var path = dir.Combine("pairs.txt");
        File.WriteAllLines(path, lines);
        var report = new ReaderReport();
        var pairs = LabeledLinePairsReader.Read(path, report);
        var e = Assert.Throws<UsageException>(() => InputFileCheck.Ensure("--pairs cplfw=pairs.txt:img", path, InputFormat.LabeledPairs, pairs.Count, "pairs", report));
        var msg = e.Message.Split('\n');
        Assert.Equal("--pairs cplfw=pairs.txt:img: 6001 malformed lines, 0 valid pairs; this looks like an LFW pairs.txt (a header, then " +
            "'name n1 n2' / 'name1 n1 name2 n2' rows): use --lfw NAME=PAIRS_FILE:IMAGE_ROOT", msg[0]);
        Assert.Equal("  line 1: pair dropped: its partner line 2 is malformed", msg[1]);
        Assert.Equal("  line 2: expected 'file label', found 3 fields", msg[2]);
        Assert.Equal(7, msg.Length);
        Assert.Equal("  ... and 5996 more", msg[6]);
    }

    [Fact]
    public void A_landmark_file_with_a_few_bad_lines_is_refused_without_a_format_suggestion()
    {
        var path = dir.Combine("lmk.txt");
        var good = string.Concat(Enumerable.Range(1, 20).Select(i => $"id{i}/img.jpg\t1\t38 51 73 51 56 71 41 92 70 92\n"));
        File.WriteAllText(path, good + "id99/img.jpg\t1\t38 51 73 51 56 71 41 92\nid98/img.jpg\t1\t38 51 73 51 56 71 41 92 70 NaN\n");
        var report = new ReaderReport();
        var table = LandmarkFileReader.Read(path, report);
        var e = Assert.Throws<UsageException>(() => InputFileCheck.Ensure("--landmarks x=lmk.txt", path, InputFormat.Landmarks, table.Count, "landmark rows", report));
        Assert.StartsWith("--landmarks x=lmk.txt: 2 malformed lines, 20 valid landmark rows\n  line 21: expected", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("looks like", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_list_is_refused()
    {
        var path = dir.Combine("empty.txt");
        File.WriteAllText(path, "# nothing here\n\n");
        var report = new ReaderReport();
        var n = new PathListReader("x", path, report).Enumerate().LongCount();
        var e = Assert.Throws<UsageException>(() => InputFileCheck.Ensure("--paths x=empty.txt", path, InputFormat.PathList, n, "paths", report));
        Assert.Equal("--paths x=empty.txt: no paths; the file has no data lines", e.Message);
    }

    [Fact]
    public void Binary_signatures_are_recognised()
    {
        Assert.Equal(InputFormat.Image, InputFormats.Sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]));
        Assert.Equal(InputFormat.Image, InputFormats.Sniff([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A]));
        Assert.Equal(InputFormat.RecordIO, InputFormats.Sniff([0x0A, 0x23, 0xD7, 0xCE, 0, 0, 0, 0]));
        Assert.Equal(InputFormat.Zip, InputFormats.Sniff("PK\u0003\u0004rest"u8));
        Assert.Equal(InputFormat.BinPack, InputFormats.Sniff([0x80, 0x02, (byte)'(', (byte)']']));
        Assert.Equal(InputFormat.Unknown, InputFormats.Sniff("hello\nworld\n"u8));
    }

    /// <summary>Reads <paramref name="path"/> with the reader of <paramref name="reader"/> and checks it as the CLI does.</summary>
    private static void Read(InputFormat reader, string path)
    {
        const string What = "--option ";
        var report = new ReaderReport();
        switch (reader)
        {
            case InputFormat.EthnicityPredictions:
                var p = EthnicityPredictionsFile.Read(path);
                InputFileCheck.Ensure(What + path, path, reader, p.Lines, "prediction lines", p.Malformed.Count, [.. p.Malformed.Select(m => ((long)m.Line, m.Reason))]);
                return;
            case InputFormat.BinPack:
                try
                {
                    if (BinPackReader.Read(path).Pairs == 0) throw new UsageException(What + path + ": no pairs");
                }
                catch (PackFormatException e)
                {
                    throw new UsageException($"{What}{path}: {e.Message}{InputFormats.Suggestion(path, InputFormat.BinPack)}");
                }

                return;
        }

        long valid = reader switch
        {
            InputFormat.LfwPairs => NamedPairsReader.ReadLfw(path, report).Count,
            InputFormat.RfwPairs => NamedPairsReader.ReadRfw(path, report).Count,
            InputFormat.LabeledPairs => LabeledLinePairsReader.Read(path, report).Count,
            InputFormat.Landmarks => LandmarkFileReader.Read(path, report).Count,
            InputFormat.PathList => new PathListReader("x", path, report).Enumerate().LongCount(),
            _ => throw new ArgumentOutOfRangeException(nameof(reader)),
        };
        InputFileCheck.Ensure(What + path, path, reader, valid, "entries", report);
    }

    public void Dispose() => dir.Dispose();
}
