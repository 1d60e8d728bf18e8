using System.Text.RegularExpressions;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// The documentation cannot drift from the CLI: every `fairkd ...` example in a code block of the README files is
/// run in its `--help` form, which must succeed, and every option the example uses must appear in that help.
/// </summary>
public partial class ReadmeCommandTests
{
    private static readonly string[] Documents = ["README.md", "pipelines/README.md", "data-manifests/README.md", "src/FairKd.Data/Cache/README.md"];

    [GeneratedRegex(@"--[a-z][a-z0-9-]*")]
    private static partial Regex OptionPattern();

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var c in Examples().Select(e => e.Command).Distinct(StringComparer.Ordinal)) data.Add(c);
        return data;
    }

    /// <summary>(command words, options used, source line) of every example; continuation lines are joined.</summary>
    internal static List<(string Command, HashSet<string> Options, string Source)> Examples()
    {
        var list = new List<(string, HashSet<string>, string)>();
        foreach (var doc in Documents)
        {
            var inBlock = false;
            string? pending = null;
            foreach (var raw in File.ReadLines(Path.Combine(RepoPaths.Root, doc)))
            {
                if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    inBlock = !inBlock;
                    continue;
                }

                if (!inBlock) continue;
                var line = raw.Trim();
                if (pending is not null) line = pending + " " + line;
                if (line.EndsWith('\\'))
                {
                    pending = line.TrimEnd('\\');
                    continue;
                }

                pending = null;
                var text = line.Split('#')[0].Trim();
                var at = text.IndexOf("fairkd ", StringComparison.Ordinal);
                if (at < 0 || (at > 0 && !char.IsWhiteSpace(text[at - 1]) && text[at - 1] != '(')) continue;
                var words = text[(at + "fairkd ".Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var command = string.Join(' ', words.TakeWhile(w => Regex.IsMatch(w, "^[a-z][a-z-]*$") && w != "sbatch"));
                if (command.Length == 0) continue;
                var options = OptionPattern().Matches(text[at..]).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
                list.Add((command, options, $"{doc}: {line}"));
            }
        }

        return list;
    }

    [Fact]
    public void The_readmes_have_examples_of_every_stage()
    {
        var commands = Examples().Select(e => e.Command.Split(' ')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var c in new[] { "demo-data", "ingest", "embed", "manifest", "train", "eval", "report", "run" }) Assert.Contains(c, commands);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_of_every_documented_command_works_and_lists_the_options_used(string command)
    {
        var r = ProcessRunner.Fairkd([.. command.Split(' '), "--help"]);
        Assert.True(r.ExitCode == 0, $"fairkd {command} --help: {r}");
        foreach (var (_, options, source) in Examples().Where(e => e.Command == command))
        {
            foreach (var o in options.Where(o => o != "--help"))
                Assert.True(r.StdOut.Contains(o, StringComparison.Ordinal), $"{source}\n  uses {o}, which `fairkd {command} --help` does not list");
        }
    }
}
