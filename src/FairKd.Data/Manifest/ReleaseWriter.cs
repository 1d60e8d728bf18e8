using System.Globalization;
using System.Security.Cryptography;
using FairKd.Core.IO;

namespace FairKd.Data.Manifest;

/// <summary>
/// Writes a release folder atomically: everything goes into a temporary sibling folder (<c>.NAME.tmp-*</c>), which is
/// renamed onto the target only when complete. A previous release at the target is first renamed aside
/// (<c>.NAME.old-*</c>) and deleted after the swap; a failure before the swap deletes the temporary folder and leaves
/// the previous release untouched.
/// </summary>
public static class ReleaseWriter
{
    /// <summary>
    /// Writes samples.csv (rows must already be sorted by key), identities.csv (sorted by identity), then the card built
    /// by <paramref name="card"/> from the files' hashes, and croissant.json when the card has sources. <paramref name="beforeCommit"/> runs on the complete
    /// temporary folder just before the swap (tests inject failures there).
    /// </summary>
    public static DataCard Write(string outDir, IEnumerable<ReleaseSample> samples, IReadOnlyList<ReleaseIdentity> identities,
        Func<ReleaseHashes, DataCard> card, Action<string>? beforeCommit = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return Write(outDir, w =>
        {
            var n = 0;
            foreach (var s in samples)
            {
                if ((++n & 0xFFFF) == 0) ct.ThrowIfCancellationRequested();
                Csv.WriteRecord(w, s.Dataset, s.Identity, s.RelativePath, s.Key, s.Sha256);
            }
        }, identities, card, beforeCommit, ct);
    }

    /// <summary>
    /// As <see cref="Write(string, IEnumerable{ReleaseSample}, IReadOnlyList{ReleaseIdentity}, Func{ReleaseHashes, DataCard}, Action{string}?, CancellationToken)"/>,
    /// samples.csv's rows (after its header; columns <see cref="ReleaseFiles.SampleColumns"/>, sorted by key) written by
    /// <paramref name="writeSamples"/>: no <see cref="ReleaseSample"/> per row.
    /// </summary>
    public static DataCard Write(string outDir, Action<TextWriter> writeSamples, IReadOnlyList<ReleaseIdentity> identities,
        Func<ReleaseHashes, DataCard> card, Action<string>? beforeCommit = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(writeSamples);
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(card);
        var target = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(target) ?? throw new Core.UsageException($"--out {outDir}: cannot write at the file-system root");
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target);
        var temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var samplesHash = WriteHashed(Path.Combine(temp, ReleaseFiles.Samples), w =>
            {
                Csv.WriteRecord(w, [.. ReleaseFiles.SampleColumns]);
                writeSamples(w);
            });
            var identitiesHash = WriteHashed(Path.Combine(temp, ReleaseFiles.Identities), w =>
            {
                Csv.WriteRecord(w, [.. ReleaseFiles.IdentityColumns]);
                foreach (var x in identities)
                    Csv.WriteRecord(w, x.Identity, x.Dataset, x.Group, x.Score, x.Images.ToString(CultureInfo.InvariantCulture),
                        x.Kept ? ReleaseFiles.KeptStatus : ReleaseFiles.RemovedStatus,
                        x.RemovalOrder?.ToString(CultureInfo.InvariantCulture));
            });

            ct.ThrowIfCancellationRequested();
            var c = card(new ReleaseHashes(samplesHash, identitiesHash));
            File.WriteAllText(Path.Combine(temp, ReleaseFiles.CardJson), c.ToJson(), Csv.Utf8);
            File.WriteAllText(Path.Combine(temp, ReleaseFiles.CardMarkdown), c.ToMarkdown(), Csv.Utf8);
            if (c.Sources is not null) File.WriteAllText(Path.Combine(temp, ReleaseFiles.Croissant), CroissantExport.Build(c, temp), Csv.Utf8);
            beforeCommit?.Invoke(temp);
            Commit(temp, target, parent, name);
            return c;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void Commit(string temp, string target, string parent, string name)
    {
        if (File.Exists(target)) throw new Core.UsageException($"--out {target} is a file, not a release folder");
        string? old = null;
        if (Directory.Exists(target))
        {
            old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
            Directory.Move(target, old);
        }

        try
        {
            Directory.Move(temp, target);
        }
        catch
        {
            if (old is not null) Directory.Move(old, target); // put the previous release back
            throw;
        }

        if (old is not null) TryDelete(old);
    }

    /// <summary>Writes a new file as <see cref="Csv.CreateWriter"/> does (UTF-8 without BOM, '\n') and returns the
    /// SHA-256 of its bytes (lower-case hex), hashed on the way out: a 3.6 GB samples.csv is not read back.</summary>
    private static string WriteHashed(string path, Action<TextWriter> write)
    {
        using var sha = SHA256.Create();
        using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0 }))
        using (var hashed = new CryptoStream(file, sha, CryptoStreamMode.Write))
        using (var w = new StreamWriter(hashed, Csv.Utf8, 1 << 16) { NewLine = "\n" })
            write(w);
        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>SHA-256 of a file as lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes a text file atomically (<see cref="Core.IO.AtomicFile"/>) through a CSV-ready writer (UTF-8, '\n').</summary>
    public static void WriteTextAtomically(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Core.IO.AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, Csv.Utf8, 1 << 16, leaveOpen: true) { NewLine = "\n" };
            write(w);
        });
    }
}
