using System.Globalization;
using System.Text;
using FairKd.Core;

namespace FairKd.Data.Readers;

/// <summary>The kinds of input files FairKd's commands read, as <see cref="InputFormats.Sniff(string)"/> recognises them.</summary>
public enum InputFormat
{
    /// <summary>Not recognised (or too few lines to tell).</summary>
    Unknown,

    /// <summary>No data lines.</summary>
    Empty,

    /// <summary>LFW <c>pairs.txt</c>: a header of one or two integers, then <c>name n1 n2</c> / <c>name1 n1 name2 n2</c> rows.</summary>
    LfwPairs,

    /// <summary>RFW <c>&lt;Race&gt;_pairs.txt</c>: LFW-style rows without a header.</summary>
    RfwPairs,

    /// <summary>CPLFW/CALFW pair list: <c>path label</c> lines, consecutive lines forming a pair.</summary>
    LabeledPairs,

    /// <summary>5-point landmark file: a path, an optional label and 10 numbers per line.</summary>
    Landmarks,

    /// <summary>One image path per line.</summary>
    PathList,

    /// <summary>The study's ethnicity predictions: <c>p,p,p,p,_,path</c> per line.</summary>
    EthnicityPredictions,

    /// <summary>An InsightFace <c>.bin</c> pack (a Python pickle).</summary>
    BinPack,

    /// <summary>An MXNet RecordIO <c>.rec</c> file.</summary>
    RecordIO,

    /// <summary>An image file (JPEG, PNG, BMP, WebP).</summary>
    Image,

    /// <summary>A zip archive (e.g. PyTorch weights).</summary>
    Zip,

    /// <summary>Some other binary file.</summary>
    Binary,
}

/// <summary>
/// Recognises what kind of input a file is from its first bytes (binary signatures) or its first 200 data lines (the
/// kind most lines fit, when at least 60 % do), so a file given to the wrong option is named with the option that reads
/// it: "this looks like an LFW pairs.txt: use --lfw NAME=PAIRS_FILE:IMAGE_ROOT".
/// </summary>
public static class InputFormats
{
    private const int SampleLines = 200;

    /// <summary>What <paramref name="path"/> looks like; <see cref="InputFormat.Unknown"/> when it cannot be read.</summary>
    public static InputFormat Sniff(string path)
    {
        byte[] head;
        try
        {
            using var f = File.OpenRead(path);
            head = new byte[(int)Math.Min(f.Length, 256 * 1024)];
            f.ReadExactly(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return InputFormat.Unknown;
        }

        return Sniff(head);
    }

    /// <summary>What a file starting with <paramref name="head"/> looks like.</summary>
    public static InputFormat Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5) return InputFormat.BinPack; // pickle protocol 2..5
        if (head.Length >= 4 && BitConverter.ToUInt32(head[..4]) == RecordIO.RecordIOFormat.Magic) return InputFormat.RecordIO;
        if (head.StartsWith([(byte)0xFF, (byte)0xD8, (byte)0xFF]) || head.StartsWith([(byte)0x89, (byte)'P', (byte)'N', (byte)'G'])
            || head.StartsWith("BM"u8) || (head.StartsWith("RIFF"u8) && head.Length >= 12 && head[8..12].SequenceEqual("WEBP"u8)))
            return InputFormat.Image;
        if (head.StartsWith("PK\u0003\u0004"u8)) return InputFormat.Zip;
        if (head[..Math.Min(head.Length, 4096)].Contains((byte)0)) return InputFormat.Binary;

        var lines = new List<string>();
        using (var reader = new StringReader(Encoding.UTF8.GetString(head)))
        {
            while (lines.Count < SampleLines + 1 && reader.ReadLine() is { } raw)
            {
                var line = raw.Trim();
                if (line.Length > 0 && !line.StartsWith('#')) lines.Add(line);
            }
        }

        // The last line may be cut by the 256 KiB window.
        if (head.Length == 256 * 1024 && lines.Count > 1) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) return InputFormat.Empty;
        var header = IsHeader(lines[0]);
        var body = header && lines.Count > 1 ? lines.Skip(1).ToList() : lines;
        var votes = body.Select(Kind).Where(k => k != InputFormat.Unknown).GroupBy(k => k).Select(g => (Kind: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).FirstOrDefault();
        if (votes.Count == 0 || votes.Count < 0.6 * body.Count) return InputFormat.Unknown;
        return votes.Kind == InputFormat.RfwPairs && header ? InputFormat.LfwPairs : votes.Kind;
    }

    /// <summary>"an LFW pairs.txt" etc.</summary>
    public static string Describe(InputFormat format) => format switch
    {
        InputFormat.LfwPairs => "an LFW pairs.txt (a header, then 'name n1 n2' / 'name1 n1 name2 n2' rows)",
        InputFormat.RfwPairs => "an RFW <Race>_pairs.txt (LFW-style rows without a header)",
        InputFormat.LabeledPairs => "a CPLFW/CALFW pair list ('path label' lines)",
        InputFormat.Landmarks => "a 5-point landmark file (path, label, 10 coordinates)",
        InputFormat.PathList => "an image path list (one path per line)",
        InputFormat.EthnicityPredictions => "the study's ethnicity predictions file (p,p,p,p,_,path)",
        InputFormat.BinPack => "an InsightFace .bin pack (a Python pickle)",
        InputFormat.RecordIO => "an MXNet RecordIO file",
        InputFormat.Image => "an image",
        InputFormat.Zip => "a zip archive (e.g. PyTorch weights)",
        InputFormat.Binary => "a binary file",
        InputFormat.Empty => "empty",
        _ => "not a format FairKd knows",
    };

    /// <summary>The option that reads <paramref name="format"/>, or null.</summary>
    public static string? OptionFor(InputFormat format) => format switch
    {
        InputFormat.LfwPairs => "--lfw NAME=PAIRS_FILE:IMAGE_ROOT",
        InputFormat.RfwPairs => "--rfw ROOT (the RFW release folder)",
        InputFormat.LabeledPairs => "--pairs NAME=PAIRS_FILE:IMAGE_ROOT",
        InputFormat.Landmarks => "--landmarks NAME=FILE",
        InputFormat.PathList => "--paths NAME=LIST",
        InputFormat.EthnicityPredictions => "--ethnicity-file FILE",
        InputFormat.BinPack => "--bin NAME=FILE",
        InputFormat.RecordIO => "--rec NAME=FILE",
        InputFormat.Image => "--dataset NAME=FOLDER (the folder of the images)",
        _ => null,
    };

    /// <summary>"; this looks like X: use --option" when <paramref name="file"/> looks like a known format other than
    /// <paramref name="expected"/>, else "".</summary>
    public static string Suggestion(string file, InputFormat expected)
    {
        var found = Sniff(file);
        if (found == expected || found is InputFormat.Unknown) return "";
        if (found is InputFormat.Empty) return "; the file has no data lines";
        var option = OptionFor(found);
        return option is null ? $"; this looks like {Describe(found)}" : $"; this looks like {Describe(found)}: use {option}";
    }

    private static bool IsHeader(string line)
    {
        var f = Fields(line);
        return f.Length is 1 or 2 && f.All(IsUInt);
    }

    private static InputFormat Kind(string line)
    {
        var comma = line.Split(',');
        if (comma.Length >= 6 && comma.Take(4).All(IsNumber)) return InputFormat.EthnicityPredictions;
        var f = Fields(line);
        if (f.Length is 11 or 12 && f.Skip(f.Length - 10).All(IsNumber) && !IsNumber(f[0])) return InputFormat.Landmarks;
        if (f.Length == 3 && IsName(f[0]) && IsUInt(f[1]) && IsUInt(f[2])) return InputFormat.RfwPairs;
        if (f.Length == 4 && IsName(f[0]) && IsUInt(f[1]) && IsName(f[2]) && IsUInt(f[3])) return InputFormat.RfwPairs;
        if (f.Length == 2 && IsInt(f[1]) && !IsNumber(f[0])) return InputFormat.LabeledPairs;
        if (f.Length == 1 && ImageExtensions.IsImage(f[0])) return InputFormat.PathList;
        if (line.Contains('/', StringComparison.Ordinal) && ImageExtensions.IsImage(line) && !line.Contains('\t', StringComparison.Ordinal)) return InputFormat.PathList;
        return InputFormat.Unknown;
    }

    private static string[] Fields(string line) => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static bool IsName(string s) => !IsNumber(s) && !s.Contains('/', StringComparison.Ordinal) && !ImageExtensions.IsImage(s);

    private static bool IsUInt(string s) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static bool IsInt(string s) => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}

/// <summary>
/// Makes an input file's problems a usage error (exit 2) before anything else runs: a file with malformed lines, with no
/// valid entries, or that looks like another option's format is refused with the count of malformed lines, the first
/// <see cref="Shown"/> of them and, when the file matches another format, the option that reads it.
/// </summary>
public static class InputFileCheck
{
    /// <summary>Malformed lines quoted in the message.</summary>
    public const int Shown = 5;

    /// <summary>
    /// Throws <see cref="UsageException"/> when <paramref name="file"/> (read into <paramref name="report"/> by its reader)
    /// has malformed entries, no valid ones, or looks like another known format.
    /// </summary>
    /// <param name="what">How the user gave the file, e.g. "--pairs cplfw=/data/pairs.txt:/data/cplfw".</param>
    /// <param name="file">Path of the input file, as the reader opened it.</param>
    /// <param name="expected">The format the option reads; a file sniffed as another known format is refused naming that format's option.</param>
    /// <param name="valid">Valid entries the reader kept.</param>
    /// <param name="unit">What an entry is, plural ("pairs", "landmark rows", "paths").</param>
    /// <param name="report">What the reader recorded for <paramref name="file"/>: its malformed entries are quoted in the error.</param>
    public static void Ensure(string what, string file, InputFormat expected, long valid, string unit, ReaderReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var full = Path.GetFullPath(file);
        bool Mine(string source) => string.Equals(Path.GetFullPath(source), full, StringComparison.Ordinal);
        var count = report.MalformedCountBySource.Where(kv => Mine(kv.Key)).Sum(kv => kv.Value);
        var shown = report.Malformed.Where(m => Mine(m.Source)).Take(Shown).Select(m => (m.Line ?? 0, m.Reason)).ToList();
        Ensure(what, file, expected, valid, unit, count, shown);
    }

    /// <summary>The same check for readers that keep their own list of malformed lines.</summary>
    public static void Ensure(string what, string file, InputFormat expected, long valid, string unit, long malformedCount,
        IReadOnlyList<(long Line, string Reason)> malformed)
    {
        ArgumentNullException.ThrowIfNull(malformed);
        var found = InputFormats.Sniff(file);
        var otherFormat = found != expected && found is not (InputFormat.Unknown or InputFormat.Empty);
        if (malformedCount == 0 && valid > 0 && !otherFormat) return;
        var sb = new StringBuilder(what).Append(": ");
        if (malformedCount > 0)
            sb.Append(CultureInfo.InvariantCulture, $"{malformedCount} malformed line{(malformedCount == 1 ? "" : "s")}, {valid} valid {unit}");
        else if (valid == 0)
            sb.Append(CultureInfo.InvariantCulture, $"no {unit}");
        else
            sb.Append(CultureInfo.InvariantCulture, $"{valid} {unit} read, but the file is not {InputFormats.Describe(expected)}");
        sb.Append(InputFormats.Suggestion(file, expected));
        foreach (var (line, reason) in malformed.Take(Shown)) sb.Append(CultureInfo.InvariantCulture, $"\n  line {line}: {reason}");
        if (malformedCount > Math.Min(Shown, malformed.Count)) sb.Append(CultureInfo.InvariantCulture, $"\n  ... and {malformedCount - Math.Min(Shown, malformed.Count)} more");
        throw new UsageException(sb.ToString());
    }
}
