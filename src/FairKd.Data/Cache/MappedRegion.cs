using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace FairKd.Data.Cache;

/// <summary>
/// The bytes of a read-only file behind one pointer: memory-mapped (pages come from the OS page cache on first touch;
/// no private memory) or copied once into native memory (<see cref="LoadIntoMemory"/>). Thread-safe to read.
/// </summary>
internal sealed unsafe class MappedRegion : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _pointer;

    private MappedRegion(byte* pointer, long length, MemoryMappedFile? file, MemoryMappedViewAccessor? view)
    {
        _pointer = pointer;
        Length = length;
        _file = file;
        _view = view;
    }

    /// <summary>Bytes in the region.</summary>
    public long Length { get; }

    /// <summary>True when the bytes were copied into native memory rather than mapped.</summary>
    public bool InMemory => _file is null;

    /// <summary>First byte; valid until <see cref="Dispose"/>.</summary>
    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(MappedRegion));

    /// <summary>Maps <paramref name="path"/> read-only. The file may be deleted afterwards (the mapping keeps it alive).</summary>
    public static MappedRegion Map(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var length = fs.Length;
        if (length == 0) throw new InvalidDataException($"{path} is empty");
        var file = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new MappedRegion(p + view.PointerOffset, length, file, view);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads <paramref name="path"/> whole into native memory (the resident cost is the file's length).</summary>
    public static MappedRegion LoadIntoMemory(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length == 0) throw new InvalidDataException($"{path} is empty");
        var p = (byte*)NativeMemory.Alloc((nuint)length);
        try
        {
            for (long at = 0; at < length;)
            {
                var n = RandomAccess.Read(handle, new Span<byte>(p + at, (int)Math.Min(1 << 30, length - at)), at);
                if (n <= 0) throw new EndOfStreamException($"{path}: read {at} of {length} bytes");
                at += n;
            }
        }
        catch
        {
            NativeMemory.Free(p);
            throw;
        }

        return new MappedRegion(p, length, null, null);
    }

    /// <summary><paramref name="count"/> bytes at <paramref name="offset"/> (bounds-checked).</summary>
    public ReadOnlySpan<byte> Span(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > Length) throw new InvalidDataException($"read of {count} bytes at {offset} is outside the {Length}-byte file");
        return new ReadOnlySpan<byte>(Pointer + offset, count);
    }

    public void Dispose()
    {
        if (_pointer == null) return;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file!.Dispose();
        }
        else
        {
            NativeMemory.Free(_pointer);
        }

        _pointer = null;
    }
}
