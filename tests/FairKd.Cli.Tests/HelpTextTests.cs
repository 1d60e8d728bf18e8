using System.Text;
using System.Text.RegularExpressions;
using FairKd.Tests.Shared;

namespace FairKd.Cli.Tests;

/// <summary>
/// The `--help` of every command (the root, groups such as `embed` and `manifest`, and their subcommands) is compared
/// with the committed text in tests/FairKd.Cli.Tests/help/, so a change to an option or a description is a reviewed
/// diff. Commands are discovered from the help itself: a command without an expected file fails, and so does an
/// expected file without a command.
/// To accept the current text after a deliberate change, run the tests with FAIRKD_UPDATE_HELP=1 (it rewrites the
/// files, deletes stale ones) and review `git diff tests/FairKd.Cli.Tests/help`:
/// <c>FAIRKD_UPDATE_HELP=1 dotnet test tests/FairKd.Cli.Tests/FairKd.Cli.Tests.csproj -c Release --no-build --filter FullyQualifiedName~HelpTextTests</c>
/// </summary>
public partial class HelpTextTests
{
    /// <summary>The environment variable that turns the comparison into a rewrite of the expected files.</summary>
    public const string UpdateVariable = "FAIRKD_UPDATE_HELP";

    private static readonly string HelpDir = Path.Combine(RepoPaths.Root, "tests", "FairKd.Cli.Tests", "help");

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Rendered = new(RenderAll);

    [GeneratedRegex(@"^  ([a-z][a-z0-9-]*)(?:\s{2,}|$)")]
    private static partial Regex CommandLine();

    /// <summary>Expected file of a command: its words joined by '-', the root is fairkd.txt.</summary>
    internal static string FileName(string command) => (command.Length == 0 ? "fairkd" : command.Replace(' ', '-')) + ".txt";

    [Fact]
    public void Every_command_has_its_committed_help_text()
    {
        var rendered = Rendered.Value;
        var expectedFiles = Directory.Exists(HelpDir)
            ? Directory.GetFiles(HelpDir, "*.txt").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal)
            : [];
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(HelpDir);
            foreach (var (command, text) in rendered) File.WriteAllText(Path.Combine(HelpDir, FileName(command)), text);
            foreach (var stale in expectedFiles.Except(rendered.Keys.Select(FileName), StringComparer.Ordinal))
                File.Delete(Path.Combine(HelpDir, stale!));
            return;
        }

        var problems = new List<string>();
        foreach (var (command, text) in rendered)
        {
            var file = Path.Combine(HelpDir, FileName(command));
            if (!File.Exists(file))
            {
                problems.Add($"`{Invocation(command)}` has no expected file {Rel(file)}");
                continue;
            }

            var expected = File.ReadAllText(file);
            if (expected != text) problems.Add($"`{Invocation(command)}` differs from {Rel(file)}:\n{FirstDifference(expected, text)}");
        }

        foreach (var stale in expectedFiles.Except(rendered.Keys.Select(FileName), StringComparer.Ordinal))
            problems.Add($"{Rel(Path.Combine(HelpDir, stale!))} belongs to no command");
        Assert.True(problems.Count == 0,
            string.Join("\n\n", problems) + $"\n\nIf the change is intended: {UpdateVariable}=1 dotnet test tests/FairKd.Cli.Tests/FairKd.Cli.Tests.csproj " +
            "-c Release --no-build --filter FullyQualifiedName~HelpTextTests, then review git diff tests/FairKd.Cli.Tests/help");
    }

    [Fact]
    public void Help_lists_the_groups_and_their_subcommands()
    {
        var commands = Rendered.Value.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var c in new[] { "", "info", "demo-data", "ingest", "embed", "embed merge", "manifest", "manifest build", "manifest stats",
                     "manifest diff", "manifest verify", "manifest import", "manifest export", "train", "eval", "export", "report", "run" })
            Assert.Contains(c, commands);
    }

    [Fact]
    public void Help_names_the_program_fairkd_and_shows_only_user_options_with_one_default_each()
    {
        foreach (var (command, text) in Rendered.Value)
        {
            var where = Invocation(command);
            Assert.StartsWith($"Usage: fairkd{(command.Length == 0 ? "" : " " + command)}", text, StringComparison.Ordinal);
            Assert.DoesNotContain("dotnet", text, StringComparison.Ordinal);
            Assert.DoesNotContain("CoconaAppContext", text, StringComparison.Ordinal);
            Assert.DoesNotContain("--context", text, StringComparison.Ordinal);
            Assert.DoesNotContain("(Default:", text, StringComparison.Ordinal);
            foreach (var entry in OptionEntries(text))
            {
                var defaults = Regex.Count(entry, @"\bdefault\b", RegexOptions.IgnoreCase);
                Assert.True(defaults <= 1, $"{where}: an option states its default {defaults} times:\n{entry}");
                Assert.False(Regex.IsMatch(entry, @"\(default [^:]", RegexOptions.IgnoreCase), $"{where}: use the notation '(default: X)':\n{entry}");
            }
        }
    }

    [Fact]
    public void The_program_name_does_not_depend_on_how_fairkd_is_launched()
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, "fairkd");
        Assert.True(File.Exists(apphost), "the fairkd apphost is not beside the tests");
        var direct = ProcessRunner.Run(apphost, ["embed", "merge", "--help"]);
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.Equal(Rendered.Value["embed merge"], direct.StdOut);
    }

    [Fact]
    public void Defaults_come_from_the_parameters_in_one_notation()
    {
        var eval = Rendered.Value["eval"];
        Assert.Contains("--batch-size <Int32>", eval, StringComparison.Ordinal);
        Assert.Matches(@"--batch-size <Int32>\s+batch size \(default: 32\)\n", eval);
        Assert.Matches(@"--device <String>\s+cpu, cuda or cuda:N \(default: cpu\)\n", eval);
        Assert.Matches(@"--out <String>\s+output folder \(eval.json\) \(required\)\n", eval);
        Assert.Matches(@"--lr <Double>\s+base learning rate before batch scaling \(default: 0.1\)\n", Rendered.Value["train"]);
    }

    /// <summary>Renders `fairkd ... --help` for the root and, recursively, every command its "Commands:" sections list.</summary>
    private static Dictionary<string, string> RenderAll()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([""]);
        while (queue.Count > 0)
        {
            var command = queue.Dequeue();
            var args = command.Length == 0 ? new List<string>() : command.Split(' ').ToList();
            args.Add("--help");
            var r = ProcessRunner.Fairkd([.. args]);
            Assert.True(r.ExitCode == 0, $"{Invocation(command)}: {r}");
            Assert.True(r.StdErr.Length == 0, $"{Invocation(command)} wrote to stderr: {r.StdErr}");
            result[command] = r.StdOut;
            foreach (var sub in Subcommands(r.StdOut))
                queue.Enqueue(command.Length == 0 ? sub : $"{command} {sub}");
        }

        return result;
    }

    private static IEnumerable<string> Subcommands(string help)
    {
        var inCommands = false;
        foreach (var line in help.Split('\n'))
        {
            if (line == "Commands:")
            {
                inCommands = true;
                continue;
            }

            if (!inCommands) continue;
            if (line.Length == 0) yield break;
            if (CommandLine().Match(line) is { Success: true } m) yield return m.Groups[1].Value;
        }
    }

    /// <summary>Each option of an "Options:" section with its continuation lines joined.</summary>
    private static IEnumerable<string> OptionEntries(string help)
    {
        var inOptions = false;
        StringBuilder? entry = null;
        foreach (var line in help.Split('\n'))
        {
            if (line == "Options:")
            {
                inOptions = true;
                continue;
            }

            if (!inOptions) continue;
            if (line.Length == 0)
            {
                if (entry is not null) yield return entry.ToString();
                entry = null;
                inOptions = false;
                continue;
            }

            if (line.StartsWith("  -", StringComparison.Ordinal))
            {
                if (entry is not null) yield return entry.ToString();
                entry = new StringBuilder(line.Trim());
            }
            else
            {
                entry?.Append(' ').Append(line.Trim());
            }
        }

        if (entry is not null) yield return entry.ToString();
    }

    private static string Invocation(string command) => command.Length == 0 ? "fairkd --help" : $"fairkd {command} --help";

    private static string Rel(string path) => Path.GetRelativePath(RepoPaths.Root, path);

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end of file>";
            var al = i < a.Length ? a[i] : "<end of output>";
            if (el != al) return $"  line {i + 1}\n  expected: {el}\n  actual:   {al}";
        }

        return "  (same lines, different line endings)";
    }
}
