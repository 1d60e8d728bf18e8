using System.Globalization;
using System.Text;
using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;
using FairKd.Data.Manifest;
using FairKd.Tests.Shared;

namespace FairKd.Data.Tests.Manifest;

/// <summary>The span parse of labels.csv (the manifest build's input at scale) reads exactly what the string parse reads.</summary>
public class LabelsCsvSpanTests
{
    [Fact]
    public void Csv_read_and_the_span_reader_return_the_records_of_the_reference_parse_on_random_text()
    {
        var rnd = new Random(3);
        char[] alphabet = ['a', 'b', ',', ',', '"', '\r', '\n', '\n', 'é'];
        for (var t = 0; t < 2000; t++)
        {
            var sb = new StringBuilder();
            var n = rnd.Next(60);
            for (var i = 0; i < n; i++) sb.Append(alphabet[rnd.Next(alphabet.Length)]);
            var text = sb.ToString();
            var expected = ReferenceCsv.Read(new StringReader(text)).Select(r => $"{r.Line}|{r.Error}|{string.Join("\u0001", r.Fields)}").ToList();
            Assert.Equal(expected, Csv.Read(new StringReader(text)).Select(r => $"{r.Line}|{r.Error}|{string.Join("\u0001", r.Fields)}"));
            var reader = new CsvSpanReader(new StringReader(text));
            var actual = new List<string>();
            while (reader.Next())
            {
                var fields = Enumerable.Range(0, reader.Count).Select(i => reader[i].ToString());
                actual.Add($"{reader.Line}|{reader.Error}|{string.Join("\u0001", fields)}");
            }

            Assert.True(expected.SequenceEqual(actual), $"text {text.Replace("\r", "\\r").Replace("\n", "\\n")}");
        }
    }

    [Fact]
    public void Fast_float_parse_returns_the_float_of_float_parse()
    {
        var cases = new List<string> { "", ".", "1", "1.", ".5", "0.1", "00.50", "-0", "-0.5", "+1", " 1", "1 ", "1e-3", "NaN", "1234567", "12345678",
            "0.1234567", "0.12345678", "9999999", "0.0000001", "1,5", "1..2", "∞", "0x10" };
        for (var h = 0; h <= 100; h++) cases.Add((h / 100.0).ToString("0.00", CultureInfo.InvariantCulture));
        var rnd = new Random(4);
        for (var t = 0; t < 200_000; t++)
        {
            var digits = rnd.Next(1, 8);
            var s = rnd.NextInt64(0, (long)Math.Pow(10, digits)).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
            var dot = rnd.Next(digits + 1);
            cases.Add(s[..dot] + "." + s[dot..]);
        }

        foreach (var s in cases)
        {
            var ok = float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected);
            Assert.Equal(ok, CsvLabeledSampleSource.TryParseFloat(s, out var actual));
            if (ok) Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), s);
        }
    }

    private sealed class Collect : ILabeledSampleSink
    {
        public List<LabeledSample> Samples { get; } = [];

        public void Add(ReadOnlySpan<char> key, ReadOnlySpan<char> dataset, ReadOnlySpan<char> identity, string? folderGroup,
            ReadOnlySpan<char> relativePath, ReadOnlySpan<float> ethnicity, string? sha256) =>
            Samples.Add(new LabeledSample(key.ToString(), dataset.ToString(), identity.ToString(), folderGroup, relativePath.ToString(), ethnicity.ToArray(), sha256));
    }

    private static string Describe(LabeledSample s) =>
        $"{s.Key}|{s.Dataset}|{s.Identity}|{s.FolderGroup ?? "<null>"}|{s.RelativePath}|{string.Join(";", s.Ethnicity.Select(BitConverter.SingleToInt32Bits))}|{s.Sha256 ?? "<null>"}";

    [Theory]
    [InlineData("key,dataset,identity,group,relative_path,p_african,p_asian,p_caucasian,p_indian,sha256\n" +
        "b/A/x/1.jpg,b,b/A/x,Asian,A/x/1.jpg,0.1,0.6,0.2,0.1,\r\n\n" +
        "\"s/\"\"q\"\"/1.png\",s,s/q,,\"a,b/1.png\",,,,,ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\n" +
        "b/A/x/2.jpg,b,b/A/x,Asian,A/x/2.jpg,1e-1,0.6,2E-1,.1,\n")]
    [InlineData("sha256,p_indian,p_caucasian,p_asian,p_african,relative_path,group,identity,dataset,key,extra\r\n" +
        ",0.25,0.25,0.25,0.25,1.jpg,African,d/i,d,d/1.jpg,x\r" +
        ",0.25,0.25,0.25,x,2.jpg,African,d/i,d,d/2.jpg,x\n" +
        "zz,0.25,0.25,0.25,0.25,3.jpg,African,d/i,d,d/3.jpg,x\n" +
        ",0.25,0.25,0.25,0.25,4.jpg,Martian,d/i,d,d/4.jpg,x\n" +
        ",0.25,,0.25,0.25,5.jpg,,d/i,d,d/5.jpg,x\n" +
        ",0.25,0.25,0.25,0.25,6.jpg,,d/i,d,,x\n" +
        ",0.25,0.25,0.25,0.25,7.jpg,,d/i,d,d/7.jpg\n" +
        ",0.25,0.25,0.25,0.25,8\".jpg,,d/i,d,d/8.jpg,x\n" +
        ",0.25,0.25,0.25,0.25,\"9\"x.jpg,,d/i,d,d/9.jpg,x\n" +
        ",0.25,0.25,0.25,0.25,10.jpg,,d/i,d,d/10.jpg,x\n" +
        ",0.25,0.25,0.25,0.25,\"11\n.jpg\",,d/i,d,d/11.jpg,x\n" +
        ",0.25,0.25,0.25,0.25,12.jpg,,d/i,d,\"d/12.jpg")]
    [InlineData("key,dataset\nx,y\n")]
    [InlineData("")]
    public void ReadInto_hands_over_the_samples_and_errors_of_read(string text)
    {
        using var tmp = new TempDir("lcs");
        File.WriteAllText(tmp.Combine("labels.csv"), text);
        var src = new CsvLabeledSampleSource();
        var expected = new List<string>();
        string? expectedError = null;
        try
        {
            foreach (var s in src.Read(tmp.Path)) expected.Add(Describe(s));
        }
        catch (UsageException e)
        {
            expectedError = e.Message;
        }

        var sink = new Collect();
        string? actualError = null;
        try
        {
            src.ReadInto(tmp.Path, sink);
        }
        catch (UsageException e)
        {
            actualError = e.Message;
        }

        Assert.Equal(expectedError, actualError);
        Assert.Equal(expected, sink.Samples.Select(Describe));
    }
}
