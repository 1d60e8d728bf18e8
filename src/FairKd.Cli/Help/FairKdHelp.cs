using System.Globalization;
using System.Reflection;
using System.Text;
using Cocona.Application;
using Cocona.Command;
using Cocona.Command.BuiltIn;
using Cocona.Help;
using Cocona.Help.DocumentModel;

namespace FairKd.Cli.Help;

/// <summary>
/// Names the program `fairkd` however it is launched (Cocona would print the process name, which is `dotnet` when run
/// as `dotnet fairkd.dll`).
/// </summary>
internal sealed class FairKdAppMetadata : ICoconaApplicationMetadataProvider
{
    public const string Program = "fairkd";

    public const string Summary =
        "FairKd: fair face recognition by knowledge distillation from a teacher whose embeddings are computed once and cached.";

    public string GetExecutableName() => Program;

    public string GetDescription() => Summary;

    public string GetProductName() => Program;

    public string GetVersion()
    {
        var assembly = typeof(FairKdAppMetadata).Assembly;
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0";
    }
}

/// <summary>
/// The `--help` text of every command, rendered by FairKd instead of Cocona's default so it is exact: only the options a
/// user can give (services such as the app context are not options), one default notation, "(default: X)", taken from the
/// parameter's default value (descriptions do not repeat it), "(required)" for options without a default, the program
/// named `fairkd`, and text wrapped at a fixed <see cref="Width"/> (not the terminal's), so the output is the same
/// everywhere and can be compared with the committed files in tests/FairKd.Cli.Tests/help.
/// Lines of a description that start with white space (the "  example:" lines) are kept as written.
/// </summary>
internal sealed class FairKdHelpProvider(ICoconaApplicationMetadataProvider app, ICoconaCommandProvider commandProvider) : ICoconaCommandHelpProvider
{
    /// <summary>Wrapping width of descriptions.</summary>
    public const int Width = 100;

    private const int MaxLabelColumn = 30;

    public HelpMessage CreateCommandHelp(CommandDescriptor command, IReadOnlyList<CommandDescriptor> subCommandStack)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(subCommandStack);
        var path = CommandPath(subCommandStack, command.IsPrimaryCommand ? null : command.Name);
        var sb = new StringBuilder();
        sb.Append("Usage: ").AppendLine(Usage(path, command));
        AppendDescription(sb, command.Description);
        AppendArguments(sb, command);
        AppendOptions(sb, command);
        return Message(sb);
    }

    public HelpMessage CreateCommandsIndexHelp(CommandCollection commandCollection, IReadOnlyList<CommandDescriptor> subCommandStack)
    {
        ArgumentNullException.ThrowIfNull(commandCollection);
        ArgumentNullException.ThrowIfNull(subCommandStack);
        // Cocona passes an empty stack when a group's built-in primary command runs (`fairkd manifest` without a
        // subcommand): find the group by its collection.
        if (subCommandStack.Count == 0) subCommandStack = StackOf(commandProvider.GetCommandCollection(), commandCollection) ?? [];
        var path = CommandPath(subCommandStack, null);
        var primary = commandCollection.Primary is { } p && !BuiltInPrimaryCommand.IsBuiltInCommand(p) ? p : null;
        var commands = commandCollection.All.Where(c => !c.IsPrimaryCommand && !c.IsHidden).ToList();
        var sb = new StringBuilder();
        sb.Append("Usage: ");
        if (primary is not null)
        {
            sb.AppendLine(Usage(path, primary));
            if (commands.Count > 0) sb.Append("       ");
        }

        if (commands.Count > 0) sb.Append(path).AppendLine(" <command> [options]");
        var description = primary?.Description
            ?? (subCommandStack.Count > 0 ? subCommandStack[^1].Description : null)
            ?? "";
        if (subCommandStack.Count == 0) description = app.GetDescription();
        AppendDescription(sb, description);
        if (commands.Count > 0)
        {
            sb.AppendLine().AppendLine("Commands:");
            AppendList(sb, commands.Select(c => (c.Name, FirstLine(c.Description))));
        }

        if (primary is not null)
        {
            AppendArguments(sb, primary);
            AppendOptions(sb, primary);
        }
        else if (commandCollection.Primary is { } builtIn)
        {
            AppendOptions(sb, builtIn);
        }

        if (commands.Count > 0) sb.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Run '{path} <command> --help' for the options of a command.");
        return Message(sb);
    }

    public HelpMessage CreateVersionHelp() =>
        new(new HelpSection(new HelpPreformattedText($"{app.GetProductName()} {app.GetVersion()}")));

    /// <summary>"(default: X)" for an option with a non-null default value other than false, "(required)" without a
    /// default, "" otherwise (a null default is explained by the description, e.g. "(default: cores)").</summary>
    internal static string DefaultNote(CoconaDefaultValue value, Type type)
    {
        if (!value.HasValue) return "(required)";
        return value.Value switch
        {
            null => "",
            false when type == typeof(bool) => "",
            string { Length: 0 } => "",
            IFormattable f => $"(default: {f.ToString(null, CultureInfo.InvariantCulture)})",
            var v => $"(default: {v})",
        };
    }

    /// <summary>The groups leading from <paramref name="root"/> to <paramref name="target"/> (empty for the root itself,
    /// null when it is not found).</summary>
    private static List<CommandDescriptor>? StackOf(CommandCollection root, CommandCollection target)
    {
        if (ReferenceEquals(root, target)) return [];
        foreach (var c in root.All)
        {
            if (c.SubCommands is null || ReferenceEquals(c.SubCommands, root)) continue;
            if (StackOf(c.SubCommands, target) is { } below) return [c, .. below];
        }

        return null;
    }

    private string CommandPath(IReadOnlyList<CommandDescriptor> stack, string? name)
    {
        var words = new List<string> { app.GetExecutableName() };
        words.AddRange(stack.Select(s => s.Name));
        if (name is not null) words.Add(name);
        return string.Join(' ', words);
    }

    private static string Usage(string path, CommandDescriptor command)
    {
        var sb = new StringBuilder(path);
        foreach (var a in command.Arguments.OrderBy(a => a.Order))
            sb.Append(a.IsRequired ? " <" : " [<").Append(a.Name).Append('>').Append(a.IsEnumerableLike ? "..." : "").Append(a.IsRequired ? "" : "]");
        var required = command.Options.Where(o => !o.IsHidden && IsRequired(o)).ToList();
        foreach (var o in required) sb.Append(' ').Append(OptionLabel(o));
        if (command.Options.Any(o => !o.IsHidden && !IsRequired(o)) || command.OptionLikeCommands.Any(o => !o.IsHidden)) sb.Append(" [options]");
        return sb.ToString();
    }

    private static void AppendDescription(StringBuilder sb, string? description)
    {
        if (string.IsNullOrWhiteSpace(description)) return;
        sb.AppendLine();
        foreach (var line in Wrap(description, Width)) sb.AppendLine(line);
    }

    private static void AppendArguments(StringBuilder sb, CommandDescriptor command)
    {
        if (command.Arguments.Count == 0) return;
        sb.AppendLine().AppendLine("Arguments:");
        AppendList(sb, command.Arguments.OrderBy(a => a.Order).Select(a =>
            ($"<{a.Name}>{(a.IsEnumerableLike ? "..." : "")}", Join(a.Description, DefaultNote(a.DefaultValue, a.UnwrappedArgumentType)))));
    }

    private static void AppendOptions(StringBuilder sb, CommandDescriptor command)
    {
        var items = new List<(string, string)>();
        foreach (var o in command.Options.Where(o => !o.IsHidden))
            items.Add((OptionLabel(o), Join(o.Description, IsRequired(o) ? "(required)" : DefaultNote(o.DefaultValue, o.UnwrappedOptionType))));
        foreach (var o in command.OptionLikeCommands.Where(o => !o.IsHidden))
            items.Add((string.Concat(o.ShortName.Select(c => $"-{c}, ")) + "--" + o.Name, o.Description));
        if (items.Count == 0) return;
        sb.AppendLine().AppendLine("Options:");
        AppendList(sb, items);
    }

    private static bool IsRequired(CommandOptionDescriptor o) => o.IsRequired || o.ParameterAttributes.OfType<RequiredOptionAttribute>().Any();

    private static string OptionLabel(CommandOptionDescriptor o)
    {
        var shorts = string.Concat(o.ShortName.Select(c => $"-{c}, "));
        if (o.UnwrappedOptionType == typeof(bool)) return $"{shorts}--{o.Name}";
        return $"{shorts}--{o.Name} <{o.ValueName}>{(o.IsEnumerableLike ? "..." : "")}";
    }

    /// <summary>Two-column list: labels padded to the longest (up to <see cref="MaxLabelColumn"/>; a longer label puts its
    /// description on the next line), descriptions wrapped with a hanging indent.</summary>
    private static void AppendList(StringBuilder sb, IEnumerable<(string Label, string Description)> items)
    {
        var list = items.ToList();
        var column = Math.Min(MaxLabelColumn, list.Max(i => i.Label.Length));
        var indent = 2 + column + 4;
        foreach (var (label, description) in list)
        {
            var lines = Wrap(description, Width - indent);
            sb.Append("  ").Append(label);
            if (label.Length > column)
            {
                sb.AppendLine();
                if (lines.Count > 0) sb.Append(' ', indent);
            }
            else if (lines.Count > 0)
            {
                sb.Append(' ', column - label.Length + 4);
            }

            if (lines.Count == 0)
            {
                if (label.Length <= column) sb.AppendLine();
                continue;
            }

            sb.AppendLine(lines[0]);
            foreach (var l in lines.Skip(1)) sb.Append(' ', indent).AppendLine(l);
        }
    }

    private static string Join(string? description, string note) =>
        string.IsNullOrWhiteSpace(note) ? (description ?? "").Trim() : $"{(description ?? "").Trim()} {note}".Trim();

    private static string FirstLine(string? description) => (description ?? "").Split('\n')[0].Trim();

    /// <summary>Word-wraps each line of <paramref name="text"/> at <paramref name="width"/>; lines starting with white
    /// space are kept as they are (examples stay copyable).</summary>
    internal static List<string> Wrap(string text, int width)
    {
        var result = new List<string>();
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Length == 0 || char.IsWhiteSpace(line[0]) || line.Length <= width)
            {
                result.Add(line);
                continue;
            }

            var current = new StringBuilder();
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (current.Length > 0 && current.Length + 1 + word.Length > width)
                {
                    result.Add(current.ToString());
                    current.Clear();
                }

                if (current.Length > 0) current.Append(' ');
                current.Append(word);
            }

            if (current.Length > 0) result.Add(current.ToString());
        }

        return result;
    }

    private static HelpMessage Message(StringBuilder sb) => new(new HelpSection(new HelpPreformattedText(sb.ToString())));
}

/// <summary>
/// Marks an option that has a C# default (so that it can follow optional parameters) but that the command requires: its
/// help says "(required)" and the usage line lists it. The command body still checks it (with its own message).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class RequiredOptionAttribute : Attribute;

/// <summary>Writes the text <see cref="FairKdHelpProvider"/> made, as it is.</summary>
internal sealed class FairKdHelpRenderer : ICoconaHelpRenderer
{
    public string Render(HelpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sb = new StringBuilder();
        foreach (var section in message.Children) Append(sb, section);
        var text = sb.ToString();
        return text.EndsWith('\n') ? text : text + "\n";
    }

    private static void Append(StringBuilder sb, ICoconaHelpContent content)
    {
        switch (content)
        {
            case HelpPreformattedText pre:
                sb.Append(pre.Content);
                break;
            case ICoconaHelpSectioningContent section:
                foreach (var child in section.Children) Append(sb, child);
                break;
        }
    }
}
