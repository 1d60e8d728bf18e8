using System.Collections.Concurrent;
using FairKd.Core.Records;
using FairKd.Data.Readers.RecordIO;

namespace FairKd.Data.Readers;

/// <summary>
/// Reads the encoded bytes of any <see cref="SampleSource"/>, safe for many parallel workers. Files are refused
/// before reading when larger than <see cref="MaxBytes"/>; RecordIO records through one cached
/// <see cref="RecordIOReader"/> per .rec path (positioned reads on a shared handle). Every problem (missing file,
/// permission, empty, over the limit, corrupt record) becomes a reject reason. Dispose closes the cached readers.
/// </summary>
public sealed class SampleBytesReader(long maxBytes = SampleBytesReader.DefaultMaxBytes) : IDisposable
{
    /// <summary>Default byte limit per sample: 32 MiB.</summary>
    public const long DefaultMaxBytes = 32L << 20;

    private readonly ConcurrentDictionary<string, Lazy<RecordIOReader>> _recordReaders = new(StringComparer.Ordinal);

    /// <summary>Largest accepted sample in bytes (default <see cref="DefaultMaxBytes"/>).</summary>
    public long MaxBytes { get; } = maxBytes > 0 ? maxBytes : throw new ArgumentOutOfRangeException(nameof(maxBytes), "the byte limit must be positive");

    /// <summary>Reads the sample's bytes or returns the reason they cannot be used.</summary>
    public async ValueTask<SampleBytesResult> ReadAsync(SampleSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source switch
        {
            FileSource f => await ReadFileAsync(f.FullPath, cancellationToken).ConfigureAwait(false),
            RecordIOSource r => ReadRecord(r),
            _ => SampleBytesResult.Rejected($"unsupported sample source {source.GetType().Name}"),
        };
    }

    /// <summary>Closes the RecordIO files opened by <see cref="ReadAsync"/>.</summary>
    public void Dispose()
    {
        foreach (var lazy in _recordReaders.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _recordReaders.Clear();
    }

    private async ValueTask<SampleBytesResult> ReadFileAsync(string path, CancellationToken ct)
    {
        try
        {
            var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            });
            await using (stream.ConfigureAwait(false))
            {
                var length = stream.Length;
                if (length == 0) return SampleBytesResult.Rejected("empty file (0 bytes)");
                if (length > MaxBytes) return SampleBytesResult.Rejected($"file is {length} bytes, over the limit of {MaxBytes}");
                var bytes = new byte[length];
                await stream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
                return SampleBytesResult.Success(bytes);
            }
        }
        catch (FileNotFoundException)
        {
            return SampleBytesResult.Rejected("file not found");
        }
        catch (DirectoryNotFoundException)
        {
            return SampleBytesResult.Rejected("file not found (missing folder)");
        }
        catch (UnauthorizedAccessException)
        {
            return SampleBytesResult.Rejected(Directory.Exists(path) ? "is a folder, not a file" : "permission denied");
        }
        catch (EndOfStreamException)
        {
            return SampleBytesResult.Rejected("file shrank while being read");
        }
        catch (IOException ex)
        {
            return SampleBytesResult.Rejected("unreadable file: " + ex.Message);
        }
    }

    private SampleBytesResult ReadRecord(RecordIOSource source)
    {
        RecordIOReader reader;
        try
        {
            reader = _recordReaders.GetOrAdd(source.RecPath,
                p => new Lazy<RecordIOReader>(() => RecordIOReader.Open(p, maxRecordBytes: Math.Max(MaxBytes + 4096, 4096)))).Value;
        }
        catch (Exception ex) when (ex is FairKd.Core.UsageException or IOException or UnauthorizedAccessException)
        {
            return SampleBytesResult.Rejected("RecordIO file unusable: " + ex.Message);
        }

        if (!reader.TryReadImage(source.Offset, out var image, out var error))
            return SampleBytesResult.Rejected($"corrupt RecordIO record at offset {source.Offset}: {error}");
        if (image!.ImageBytes.Length == 0) return SampleBytesResult.Rejected($"RecordIO record at offset {source.Offset} holds no image bytes");
        if (image.ImageBytes.Length > MaxBytes)
            return SampleBytesResult.Rejected($"record image is {image.ImageBytes.Length} bytes, over the limit of {MaxBytes}");
        return SampleBytesResult.Success(image.ImageBytes);
    }
}
