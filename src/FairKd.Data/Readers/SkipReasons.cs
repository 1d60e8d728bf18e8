namespace FairKd.Data.Readers;

/// <summary>Reasons readers count entries they skip on purpose (not errors). Shown in the ingest summary.</summary>
public static class SkipReasons
{
    /// <summary>A file whose name starts with '.'.</summary>
    public const string HiddenFile = "hidden file";
    /// <summary>A folder whose name starts with '.'; not descended into.</summary>
    public const string HiddenFolder = "hidden folder";
    /// <summary>A file without one of the image extensions.</summary>
    public const string NonImageExtension = "non-image extension";
    /// <summary>An identity folder holding no image.</summary>
    public const string EmptyIdentityFolder = "empty identity folder";
    /// <summary>A file at a level where only identity (or group) folders belong.</summary>
    public const string FileOutsideIdentityFolder = "file outside an identity folder";
    /// <summary>A folder inside an identity folder; not descended into.</summary>
    public const string UnexpectedSubfolder = "subfolder inside an identity folder";
    /// <summary>In the group layout, a folder not named after one of <see cref="FairKd.Core.Records.EthnicGroups.Order"/>; skipped, not guessed.</summary>
    public const string UnknownGroupFolder = "group folder not one of African, Asian, Caucasian, Indian";
    /// <summary>A symbolic link whose target lies outside the dataset root; not followed.</summary>
    public const string SymlinkOutsideRoot = "symlink pointing outside the dataset root";
    /// <summary>A symbolic link whose target does not exist.</summary>
    public const string BrokenSymlink = "broken symlink";
    /// <summary>A folder that could not be listed (permissions, IO error).</summary>
    public const string UnreadableFolder = "unreadable folder";
    /// <summary>A RecordIO record of the InsightFace identity-range block (not an image).</summary>
    public const string IdentityRecord = "RecordIO identity-range record";
}
