namespace FairKd.Benchmarks;

/// <summary>
/// results/eval.md holds two parts: the scoring benchmark (suite <c>eval</c>, from the top) and the embedding-throughput
/// section (suite <c>eval-embed</c>, from <see cref="EvalEmbedBenchmark.Heading"/> on). Each suite rewrites its own part
/// and keeps the other; the file is written to a temp name and renamed.
/// </summary>
internal static class EvalResultsFile
{
    private static string PathOf => Path.Combine(BenchPaths.ProjectDir, "results", "eval.md");

    /// <summary>Replaces the scoring part (everything before the throughput heading).</summary>
    public static void WriteHead(string head)
    {
        var (_, tail) = Split(Read());
        Write(tail.Length == 0 ? head : head.TrimEnd('\n') + "\n\n" + tail);
    }

    /// <summary>Replaces (or appends) the section that starts with <paramref name="heading"/>.</summary>
    public static void WriteSection(string heading, string section)
    {
        if (!section.StartsWith(heading, StringComparison.Ordinal)) throw new ArgumentException("the section must start with its heading", nameof(section));
        var (head, _) = Split(Read());
        Write(head.Length == 0 ? section : head.TrimEnd('\n') + "\n\n" + section);
    }

    private static (string Head, string Tail) Split(string text)
    {
        var at = text.IndexOf(EvalEmbedBenchmark.Heading, StringComparison.Ordinal);
        return at < 0 ? (text, "") : (text[..at], text[at..]);
    }

    private static string Read() => File.Exists(PathOf) ? File.ReadAllText(PathOf) : "";

    private static void Write(string text)
    {
        Core.IO.AtomicFile.WriteAllText(PathOf, text);
    }
}
