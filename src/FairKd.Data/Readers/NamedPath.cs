using FairKd.Core;

namespace FairKd.Data.Readers;

/// <summary>What a <see cref="NamedPath"/> must point at.</summary>
public enum NamedPathKind
{
    /// <summary>An existing file (path lists <c>--paths</c>, landmark files <c>--landmarks</c>).</summary>
    File,

    /// <summary>An existing folder.</summary>
    Directory,

    /// <summary>An existing file or folder (<c>--rec</c>: a <c>.rec</c> file or the folder holding <c>train.rec</c>).</summary>
    FileOrDirectory,
}

/// <summary>A dataset-named path from the command line: <c>NAME=LIST</c>, <c>NAME=FILE</c>, <c>NAME=PATH</c>. <see cref="Path"/> is absolute.</summary>
public sealed record NamedPath(string Name, string Path)
{
    /// <summary>Parses <c>NAME=PATH</c> and checks the path exists as <paramref name="kind"/>; throws <see cref="UsageException"/> naming what is wrong.</summary>
    public static NamedPath Parse(string value, string option, NamedPathKind kind)
    {
        var (name, path) = DatasetName.SplitAssignment(value, option, "NAME=PATH");
        var ok = kind switch
        {
            NamedPathKind.File => File.Exists(path),
            NamedPathKind.Directory => Directory.Exists(path),
            _ => File.Exists(path) || Directory.Exists(path),
        };
        if (!ok)
        {
            var what = kind switch
            {
                NamedPathKind.File => "file",
                NamedPathKind.Directory => "folder",
                _ => "file or folder",
            };
            throw new UsageException($"{option} {value}: {what} '{path}' does not exist");
        }

        return new NamedPath(name, System.IO.Path.GetFullPath(path));
    }
}
