using FairKd.Core;

namespace FairKd.Data.Readers;

/// <summary>
/// An image-folder dataset given on the command line as <c>NAME=PATH[:layout]</c>
/// (layout <c>identity/image</c> by default, <c>group/identity/image</c>, or <c>flat</c> for unlabelled faces). <see cref="Root"/> is absolute.
/// </summary>
public sealed record DatasetSpec(string Name, string Root, DatasetLayout Layout)
{
    /// <summary>The shape shown in error messages.</summary>
    public const string Shape = "NAME=PATH[:layout] with layout identity/image (default), group/identity/image or flat (unlabelled)";

    /// <summary>
    /// Parses <c>NAME=PATH[:layout]</c>. When the whole of <c>PATH[:layout]</c> is an existing folder it is the
    /// root (so paths containing ':' work); otherwise the text after the last ':' must be a layout.
    /// Throws <see cref="UsageException"/> for a bad name, an unknown layout (listing the valid ones) or a
    /// missing root folder (naming it).
    /// </summary>
    public static DatasetSpec Parse(string value, string option = "--dataset")
    {
        var (name, rest) = DatasetName.SplitAssignment(value, option, Shape);
        var path = rest;
        var layout = DatasetLayout.IdentityImage;
        var colon = rest.LastIndexOf(':');
        if (!Directory.Exists(rest) && colon >= 0)
        {
            var layoutText = rest[(colon + 1)..];
            if (!DatasetLayouts.TryParse(layoutText, out layout))
                throw new UsageException(
                    $"{option} {value}: unknown layout '{layoutText}'; valid layouts are {DatasetLayouts.ValidNames}");
            path = rest[..colon];
        }

        if (path.Length == 0)
            throw new UsageException($"{option} {value}: the dataset root is empty; expected {Shape}");
        if (!Directory.Exists(path))
            throw new UsageException($"{option} {value}: dataset root folder '{path}' does not exist");
        return new DatasetSpec(name, Path.GetFullPath(path), layout);
    }
}
