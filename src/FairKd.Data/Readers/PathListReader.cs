using FairKd.Core;
using FairKd.Core.IO;
using FairKd.Core.Records;

namespace FairKd.Data.Readers;

/// <summary>
/// Streams a sample list: one image path per line (the study authors' format), read line by line.
/// <list type="bullet">
/// <item>Blank lines and lines starting with '#' are ignored. Surrounding white space is trimmed.</item>
/// <item>Relative paths are resolved against <c>root</c> (default: the list file's folder) and must stay inside it.
/// Absolute paths must lie inside <c>root</c> when one is given; without a root they are accepted anywhere and
/// their relative path is the absolute path without its leading '/' (pass a root for short keys).</item>
/// <item>Identity = the parent folder (<c>dataset/parent</c>). When the folder above it is named exactly as an
/// <see cref="EthnicGroups.Order"/> entry (the BUPT layout), that is the group and the identity is
/// <c>dataset/Group/parent</c>; otherwise the group is null.</item>
/// <item>Malformed lines (tab-separated columns, control characters, outside the root, no parent folder,
/// non-image extension, duplicate of an earlier line) are reported with their line number and skipped.</item>
/// <item>Files are not opened here: a listed file that does not exist is rejected later by the read stage.</item>
/// </list>
/// </summary>
public sealed class PathListReader : ISampleReader
{
    private readonly string _listFile;
    private readonly string? _root;
    private readonly ReaderReport _report;

    /// <summary>Throws <see cref="UsageException"/> when the name is invalid or the list file or root is missing.</summary>
    public PathListReader(string dataset, string listFile, ReaderReport report, string? root = null)
    {
        DatasetName.Validate(dataset, "--paths");
        if (!File.Exists(listFile))
            throw new UsageException($"--paths {dataset}={listFile}: list file '{listFile}' does not exist");
        if (root is not null && !Directory.Exists(root))
            throw new UsageException($"--paths {dataset}: root folder '{root}' does not exist");
        Dataset = dataset;
        _listFile = Path.GetFullPath(listFile);
        _root = root is null ? null : Path.GetFullPath(root);
        _report = report ?? throw new ArgumentNullException(nameof(report));
    }

    /// <inheritdoc/>
    public string Dataset { get; }

    /// <inheritdoc/>
    public IEnumerable<SampleRef> Enumerate(CancellationToken cancellationToken = default)
    {
        var baseDir = _root ?? Path.GetDirectoryName(_listFile)!;
        var firstLineOfKey = new Dictionary<ulong, long>();
        using var reader = new StreamReader(_listFile);
        long lineNo = 0;
        while (reader.ReadLine() is { } raw)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var sample = Parse(line, baseDir, out var problem);
            if (sample is null)
            {
                _report.MalformedLine(_listFile, lineNo, problem!);
                continue;
            }

            var hash = Fnv1a64(sample.Key);
            if (firstLineOfKey.TryGetValue(hash, out var first))
            {
                _report.MalformedLine(_listFile, lineNo, $"duplicate of line {first} ({sample.Key})");
                continue;
            }

            firstLineOfKey[hash] = lineNo;
            yield return sample;
        }
    }

    private SampleRef? Parse(string line, string baseDir, out string? problem)
    {
        problem = null;
        if (line.Contains('\t'))
        {
            problem = "expected one path per line, found tab-separated columns";
            return null;
        }

        if (line.Any(char.IsControl))
        {
            problem = "path contains control characters";
            return null;
        }

        var absolute = Path.IsPathRooted(line);
        var full = Path.GetFullPath(absolute ? line : Path.Join(baseDir, line));
        string rel;
        if (absolute && _root is null)
        {
            rel = full.TrimStart('/');
        }
        else
        {
            if (!RealPath.IsInside(full, baseDir) || full == baseDir)
            {
                problem = $"path '{line}' is outside the root '{baseDir}'";
                return null;
            }

            rel = Path.GetRelativePath(baseDir, full);
        }

        var parts = rel.Split('/');
        if (parts.Length < 2)
        {
            problem = $"path '{line}' has no parent folder to take the identity from";
            return null;
        }

        if (!ImageExtensions.IsImage(parts[^1]))
        {
            problem = $"path '{line}' does not have an image extension ({string.Join(' ', ImageExtensions.Accepted)})";
            return null;
        }

        var parent = parts[^2];
        var group = parts.Length >= 3 && EthnicGroups.IndexOf(parts[^3]) >= 0 ? parts[^3] : null;
        var identity = SampleId.Identity(Dataset, group is null ? parent : $"{group}/{parent}");
        return new SampleRef(SampleId.Key(Dataset, rel), Dataset, identity, group, rel, new FileSource(full));
    }

    /// <summary>64-bit FNV-1a of the UTF-16 code units: duplicate detection in O(1) memory per line.</summary>
    private static ulong Fnv1a64(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }

        return h;
    }
}
