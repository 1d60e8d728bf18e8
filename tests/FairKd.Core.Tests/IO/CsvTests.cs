using CsCheck;
using FairKd.Core.IO;

namespace FairKd.Core.Tests.IO;

/// <summary>The RFC 4180 writer/reader pair round-trips any text and reports malformed records with line numbers.</summary>
public class CsvTests
{
    [Fact]
    public void Round_trips_fields_with_commas_quotes_and_newlines()
    {
        var field = Gen.String[Gen.Char["ab,\"\n\r x"], 0, 8];
        field.Array[1, 5].Array[1, 6].Sample(records =>
        {
            var sw = new StringWriter { NewLine = "\n" };
            foreach (var r in records) Csv.WriteRecord(sw, [.. r]);
            var back = Csv.Read(new StringReader(sw.ToString())).ToList();
            Assert.All(back, b => Assert.Null(b.Error));
            // a CR alone inside a quoted field is kept; ReadLine splits "\r\n" and lone "\r", joined back with '\n'
            Assert.Equal(records.Select(r => r.Select(f => f.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n'))),
                back.Select(b => b.Fields));
        }, iter: 300);
    }

    [Fact]
    public void Quoting_is_minimal_and_lines_end_with_lf()
    {
        var sw = new StringWriter();
        Csv.WriteRecord(sw, "a", "b,c", "d\"e", null, "");
        Assert.Equal("a,\"b,c\",\"d\"\"e\",,\n", sw.ToString());
    }

    [Fact]
    public void Malformed_records_carry_their_line()
    {
        var recs = Csv.Read(new StringReader("a,b\nx\"y,z\n\"q\"r,s\n\"open,t")).ToList();
        Assert.Null(recs[0].Error);
        Assert.Equal(2, recs[1].Line);
        Assert.Contains("double quote inside an unquoted field", recs[1].Error, StringComparison.Ordinal);
        Assert.Contains("text after a closing quote", recs[2].Error, StringComparison.Ordinal);
        Assert.Equal(4, recs[3].Line);
        Assert.Equal("unterminated quoted field", recs[3].Error);
    }
}
