namespace FairKd.Data.Readers;

/// <summary>Reasons readers count entries they skip on purpose (not errors). Shown in the ingest summary.</summary>
public static class SkipReasons
{
    public const string HiddenFile = "hidden file";
    public const string HiddenFolder = "hidden folder";
    public const string NonImageExtension = "non-image extension";
    public const string EmptyIdentityFolder = "empty identity folder";
    public const string FileOutsideIdentityFolder = "file outside an identity folder";
    public const string UnexpectedSubfolder = "subfolder inside an identity folder";
    public const string UnknownGroupFolder = "group folder not one of African, Asian, Caucasian, Indian";
    public const string SymlinkOutsideRoot = "symlink pointing outside the dataset root";
    public const string BrokenSymlink = "broken symlink";
    public const string UnreadableFolder = "unreadable folder";
    public const string IdentityRecord = "RecordIO identity-range record";
}
