using System.Text.RegularExpressions;
using FairKd.Core;

namespace FairKd.Data.Readers;

/// <summary>Dataset names (<c>[a-z0-9_-]+</c>): the first component of every sample key and identity.</summary>
public static partial class DatasetName
{
    [GeneratedRegex("^[a-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>True when <paramref name="name"/> is a valid dataset name.</summary>
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>Throws <see cref="UsageException"/> unless <paramref name="name"/> is valid.</summary>
    public static void Validate(string? name, string option)
    {
        if (!IsValid(name))
            throw new UsageException(
                $"{option}: dataset name '{name}' is invalid: use lower-case letters, digits, '_' or '-' (e.g. bupt, dcface_1)");
    }

    /// <summary>Throws <see cref="UsageException"/> when two specs of the same option kind share a name.</summary>
    public static void EnsureUnique(IEnumerable<string> names, string option)
    {
        ArgumentNullException.ThrowIfNull(names);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names)
            if (!seen.Add(n))
                throw new UsageException($"{option}: dataset name '{n}' is given twice; every dataset needs its own name");
    }

    /// <summary>Splits <c>NAME=REST</c>, validating the name; throws <see cref="UsageException"/> with the expected shape.</summary>
    internal static (string Name, string Value) SplitAssignment(string? value, string option, string shape)
    {
        var eq = value?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (value is null || eq <= 0 || eq == value.Length - 1)
            throw new UsageException($"{option} '{value}': expected {shape}");
        var name = value[..eq];
        Validate(name, option);
        return (name, value[(eq + 1)..]);
    }
}
