using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Data.Readers;

/// <summary>
/// Streams the images of a folder dataset in the <c>identity/image</c>, <c>group/identity/image</c> or <c>flat</c> layout.
/// <list type="bullet">
/// <item>Order is deterministic: folders and files in ordinal name order, whatever the file system returns;
/// only one folder's listing is held at a time.</item>
/// <item>Key <c>dataset/relative/path</c> ('/' separators); identity <c>dataset/identity</c> or
/// <c>dataset/Group/identity</c>; group = the group folder for the group layout, else null. The <c>flat</c> layout
/// lists every image below the root at any depth (folders depth-first, ordinal order) with an empty identity and no
/// group: unlabelled faces.</item>
/// <item>Group folders must be named exactly as in <see cref="EthnicGroups.Order"/>; any other folder at that level is
/// skipped (counted as <see cref="SkipReasons.UnknownGroupFolder"/> with the folder as example), not guessed.</item>
/// <item>Images: <see cref="ImageExtensions"/>. Hidden entries (name starting with '.'), other extensions, files
/// outside identity folders, subfolders of identity folders and identity folders without images are counted
/// in the <see cref="ReaderReport"/>, not errors. Symlinks are followed only when their target lies inside the
/// dataset root; others are counted and not followed.</item>
/// </list>
/// </summary>
public sealed class ImageFolderReader(DatasetSpec spec, ReaderReport report) : ISampleReader
{
    private readonly DatasetSpec _spec = spec ?? throw new ArgumentNullException(nameof(spec));
    private readonly ReaderReport _report = report ?? throw new ArgumentNullException(nameof(report));

    /// <inheritdoc/>
    public string Dataset => _spec.Name;

    /// <inheritdoc/>
    public IEnumerable<SampleRef> Enumerate(CancellationToken cancellationToken = default)
    {
        var rootReal = RealPath.Resolve(_spec.Root) ?? _spec.Root;
        if (_spec.Layout == DatasetLayout.Flat)
        {
            foreach (var s in Flat(_spec.Root, "", rootReal, cancellationToken))
                yield return s;
            yield break;
        }

        if (_spec.Layout == DatasetLayout.IdentityImage)
        {
            foreach (var identity in Folders(_spec.Root, "", rootReal))
                foreach (var s in Images(identity.FullPath, identity.Name, null, rootReal, cancellationToken))
                    yield return s;
            yield break;
        }

        foreach (var group in Folders(_spec.Root, "", rootReal))
        {
            if (EthnicGroups.IndexOf(group.Name) < 0)
            {
                _report.Skip(SkipReasons.UnknownGroupFolder, $"{_spec.Name}/{group.Name}");
                continue;
            }

            foreach (var identity in Folders(group.FullPath, group.Name + "/", rootReal))
                foreach (var s in Images(identity.FullPath, group.Name + "/" + identity.Name, group.Name, rootReal, cancellationToken))
                    yield return s;
        }
    }

    private IEnumerable<SampleRef> Images(string dir, string identityRel, string? group, string rootReal, CancellationToken ct)
    {
        var identity = SampleId.Identity(_spec.Name, identityRel);
        var any = false;
        foreach (var e in List(dir, identityRel + "/", rootReal))
        {
            ct.ThrowIfCancellationRequested();
            if (e.IsDirectory)
            {
                _report.Skip(SkipReasons.UnexpectedSubfolder, e.Example);
                continue;
            }

            if (!ImageExtensions.IsImage(e.Name))
            {
                _report.Skip(SkipReasons.NonImageExtension, e.Example);
                continue;
            }

            any = true;
            var rel = identityRel + "/" + e.Name;
            yield return new SampleRef(SampleId.Key(_spec.Name, rel), _spec.Name, identity, group, rel, new FileSource(e.FullPath));
        }

        if (!any) _report.Skip(SkipReasons.EmptyIdentityFolder, identity);
    }

    /// <summary>Every image below <paramref name="dir"/> (unlabelled): files in ordinal order, then each sub-folder in turn.</summary>
    private IEnumerable<SampleRef> Flat(string dir, string relPrefix, string rootReal, CancellationToken ct)
    {
        var entries = List(dir, relPrefix, rootReal);
        foreach (var e in entries.Where(e => !e.IsDirectory))
        {
            ct.ThrowIfCancellationRequested();
            if (!ImageExtensions.IsImage(e.Name))
            {
                _report.Skip(SkipReasons.NonImageExtension, e.Example);
                continue;
            }

            var rel = relPrefix + e.Name;
            yield return new SampleRef(SampleId.Key(_spec.Name, rel), _spec.Name, "", null, rel, new FileSource(e.FullPath));
        }

        foreach (var d in entries.Where(e => e.IsDirectory))
            foreach (var s in Flat(d.FullPath, relPrefix + d.Name + "/", rootReal, ct))
                yield return s;
    }

    /// <summary>The sub-folders of a folder level; files there are counted as outside identity folders.</summary>
    private IEnumerable<Entry> Folders(string dir, string relPrefix, string rootReal)
    {
        foreach (var e in List(dir, relPrefix, rootReal))
        {
            if (e.IsDirectory) yield return e;
            else _report.Skip(SkipReasons.FileOutsideIdentityFolder, e.Example);
        }
    }

    /// <summary>One folder's entries, sorted ordinally, without hidden entries and unsafe symlinks (counted).</summary>
    private List<Entry> List(string dir, string relPrefix, string rootReal)
    {
        FileSystemInfo[] infos;
        try
        {
            infos = new DirectoryInfo(dir).GetFileSystemInfos();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _report.Skip(SkipReasons.UnreadableFolder, $"{_spec.Name}/{relPrefix.TrimEnd('/')}");
            return [];
        }

        Array.Sort(infos, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var entries = new List<Entry>(infos.Length);
        foreach (var info in infos)
        {
            var example = $"{_spec.Name}/{relPrefix}{info.Name}";
            var isDir = info is DirectoryInfo;
            if (info.Name.StartsWith('.'))
            {
                _report.Skip(isDir ? SkipReasons.HiddenFolder : SkipReasons.HiddenFile, example);
                continue;
            }

            // Symlinks carry ReparsePoint on Unix: only they pay for a readlink.
            if ((info.Attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is not null)
            {
                var target = RealPath.Resolve(info.FullName);
                if (target is null)
                {
                    _report.Skip(SkipReasons.BrokenSymlink, example);
                    continue;
                }

                if (!RealPath.IsInside(target, rootReal))
                {
                    _report.Skip(SkipReasons.SymlinkOutsideRoot, example);
                    continue;
                }

                isDir = Directory.Exists(target);
            }

            entries.Add(new Entry(info.Name, info.FullName, isDir, example));
        }

        return entries;
    }

    private readonly record struct Entry(string Name, string FullPath, bool IsDirectory, string Example);
}
