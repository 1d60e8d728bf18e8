using System.Buffers.Binary;
using System.Text;
using static FairKd.Data.Eval.PickleValues;

namespace FairKd.Data.Eval;

/// <summary>
/// Reads the subset of Python pickle that InsightFace verification packs use, as data only: it never imports or calls
/// anything. Protocols 1 to 5 framing (PROTO 2..5 accepted; protocol-1 streams have no PROTO); protocol 0's text opcodes
/// (STRING, PUT, GET, LIST, ...) are refused, no known pack uses them.
/// <para>Opcodes: PROTO FRAME STOP MARK EMPTY_LIST EMPTY_TUPLE APPEND APPENDS TUPLE TUPLE1-3 MEMOIZE BINPUT LONG_BINPUT
/// BINGET LONG_BINGET NEWTRUE NEWFALSE INT (01/00 = bools, else an integer) BININT BININT1 BININT2 LONG1 NONE
/// SHORT_BINBYTES BINBYTES BINBYTES8 BYTEARRAY8 SHORT_BINSTRING BINSTRING (Python-2 str read as bytes, i.e.
/// encoding='bytes') SHORT_BINUNICODE BINUNICODE BINUNICODE8 GLOBAL STACK_GLOBAL REDUCE BUILD.</para>
/// <para>Globals (any other is refused where it appears): numpy.core.multiarray._reconstruct and numpy._core.multiarray._reconstruct
/// (ndarray, shape, typecode) then BUILD with (version, shape, dtype, fortran, raw bytes); numpy.ndarray; numpy.dtype(name, align, copy)
/// with BUILD state ignored; numpy.core.multiarray.scalar(dtype b1, 1 byte) = a bool; _codecs.encode(str, 'latin1') = bytes
/// (how Python 3 writes bytes at protocol 2); builtins/__builtin__.bytearray(bytes | str, 'latin-1'). Each is interpreted
/// as the data it describes.</para>
/// Any other opcode or global, a length beyond the stream or <see cref="MaxItemBytes"/>, a malformed structure or a
/// truncated stream throws <see cref="PackFormatException"/> with the offset. Work is linear in the input size.
/// </summary>
internal sealed class RestrictedPickleReader
{
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly byte[] _buf;
    private readonly long _maxItemBytes;
    private readonly List<object?> _stack = new();
    private readonly List<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private int _pos;
    private int _op; // offset of the current opcode

    private RestrictedPickleReader(byte[] buffer, long maxItemBytes)
    {
        _buf = buffer;
        _maxItemBytes = maxItemBytes;
    }

    /// <summary>Largest single bytes/string item accepted.</summary>
    public long MaxItemBytes => _maxItemBytes;

    /// <summary>Reads one pickle from the start of <paramref name="buffer"/> and returns its top value.</summary>
    public static object? Load(byte[] buffer, long maxItemBytes) => new RestrictedPickleReader(buffer, maxItemBytes).Run();

    private PackFormatException Fail(string reason) => new(_op, reason);

    private object? Run()
    {
        while (true)
        {
            _op = _pos;
            var code = ReadByte();
            switch (code)
            {
                case 0x80: // PROTO
                    var proto = ReadByte();
                    if (proto is < 2 or > 5) throw Fail($"pickle protocol {proto} is not supported (2 to 5)");
                    break;
                case 0x95: // FRAME: frames are transparent; only check the declared size
                    var frame = ReadUInt64();
                    if (frame > (ulong)(_buf.Length - _pos)) throw Fail($"frame of {frame} bytes runs past the end of the stream");
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw Fail($"STOP with {_stack.Count} values and {_marks.Count} open marks on the stack");
                    return _stack[0];
                case (byte)'(': _marks.Add(_stack.Count); _stack.Add(Mark.Instance); break;
                case (byte)']': _stack.Add(new List<object?>()); break;
                case (byte)')': _stack.Add(new PickleValues.Tuple([])); break;
                case (byte)'a': // APPEND
                    var item = Pop();
                    PeekList("APPEND").Add(item);
                    break;
                case (byte)'e': // APPENDS
                    var items = PopToMark();
                    PeekList("APPENDS").AddRange(items);
                    break;
                case (byte)'t': _stack.Add(new PickleValues.Tuple(PopToMark())); break;
                case 0x85: _stack.Add(new PickleValues.Tuple([Pop()])); break;
                case 0x86: { var b = Pop(); var a = Pop(); _stack.Add(new PickleValues.Tuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); _stack.Add(new PickleValues.Tuple([a, b, c])); break; }
                case 0x94: _memo[_memo.Count] = Peek("MEMOIZE"); break;
                case (byte)'q': _memo[ReadByte()] = Peek("BINPUT"); break;
                case (byte)'r': _memo[ReadUInt32()] = Peek("LONG_BINPUT"); break;
                case (byte)'h': _stack.Add(MemoGet(ReadByte())); break;
                case (byte)'j': _stack.Add(MemoGet(ReadUInt32())); break;
                case 0x88: _stack.Add(true); break;
                case 0x89: _stack.Add(false); break;
                case (byte)'N': _stack.Add(null); break;
                case (byte)'I': _stack.Add(ReadIntLine()); break;
                case (byte)'J': _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': _stack.Add((long)ReadByte()); break;
                case (byte)'M': _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: _stack.Add(ReadLong1()); break;
                case (byte)'C': _stack.Add(Take(ReadByte()).ToArray()); break;
                case (byte)'B': _stack.Add(Take(ReadUInt32()).ToArray()); break;
                case 0x8e: _stack.Add(Take(ReadUInt64Length()).ToArray()); break;
                case 0x96: _stack.Add(Take(ReadUInt64Length()).ToArray()); break;
                case (byte)'U': _stack.Add(Take(ReadByte()).ToArray()); break;
                case (byte)'T':
                    var len = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (len < 0) throw Fail($"negative BINSTRING length {len}");
                    _stack.Add(Take(len).ToArray());
                    break;
                case 0x8c: _stack.Add(Utf8(Take(ReadByte()))); break;
                case (byte)'X': _stack.Add(Utf8(Take(ReadUInt32()))); break;
                case 0x8d: _stack.Add(Utf8(Take(ReadUInt64Length()))); break;
                case (byte)'c': // GLOBAL module\nname\n
                    var module = ReadLine();
                    _stack.Add(Resolve(module, ReadLine()));
                    break;
                case 0x93: // STACK_GLOBAL
                    var name = Pop() as string ?? throw Fail("STACK_GLOBAL name is not a string");
                    var mod = Pop() as string ?? throw Fail("STACK_GLOBAL module is not a string");
                    _stack.Add(Resolve(mod, name));
                    break;
                case (byte)'R': { var args = Pop(); var fn = Pop(); _stack.Add(Reduce(fn, args)); break; }
                case (byte)'b': { var state = Pop(); Build(Peek("BUILD"), state); break; }
                default:
                    throw Fail($"opcode 0x{code:x2} ('{(code is >= 32 and < 127 ? (char)code : '?')}') is not allowed in a verification pack");
            }
        }
    }

    // ---- stack ----
    private object? Pop()
    {
        if (_stack.Count == 0 || _stack[^1] is Mark) throw Fail("stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek(string what)
    {
        if (_stack.Count == 0 || _stack[^1] is Mark) throw Fail($"{what} on an empty stack");
        return _stack[^1];
    }

    private List<object?> PeekList(string what)
    {
        if (_stack.Count == 0 || _stack[^1] is not List<object?> list) throw Fail($"{what} target is not a list");
        return list;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0) throw Fail("no MARK on the stack");
        var at = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(at + 1, _stack.Count - at - 1).ToArray();
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private object? MemoGet(long key) =>
        _memo.TryGetValue(key, out var v) ? v : throw Fail($"memo key {key} was never stored");

    // ---- raw reads ----
    private byte ReadByte()
    {
        if (_pos >= _buf.Length) throw new PackFormatException(_pos, "truncated stream (no STOP)");
        return _buf[_pos++];
    }

    private ReadOnlySpan<byte> Take(long count)
    {
        if (count < 0) throw Fail($"negative length {count}");
        if (count > _maxItemBytes) throw Fail($"item of {count} bytes exceeds the {_maxItemBytes}-byte cap");
        if (count > _buf.Length - _pos) throw Fail($"item of {count} bytes runs past the end of the stream ({_buf.Length - _pos} left)");
        var span = _buf.AsSpan(_pos, (int)count);
        _pos += (int)count;
        return span;
    }

    private uint ReadUInt32()
    {
        if (_buf.Length - _pos < 4) throw new PackFormatException(_pos, "truncated stream");
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_buf.AsSpan(_pos, 4));
        _pos += 4;
        return v;
    }

    private ulong ReadUInt64()
    {
        if (_buf.Length - _pos < 8) throw new PackFormatException(_pos, "truncated stream");
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_buf.AsSpan(_pos, 8));
        _pos += 8;
        return v;
    }

    private long ReadUInt64Length()
    {
        var v = ReadUInt64();
        if (v > (ulong)_maxItemBytes) throw Fail($"item of {v} bytes exceeds the {_maxItemBytes}-byte cap");
        return (long)v;
    }

    private string ReadLine()
    {
        var end = Array.IndexOf(_buf, (byte)'\n', _pos, Math.Min(_buf.Length - _pos, 256));
        if (end < 0) throw Fail("unterminated text argument (no newline within 256 bytes)");
        var s = Latin1.GetString(_buf, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private object ReadIntLine()
    {
        var line = ReadLine();
        if (line == "01") return true;
        if (line == "00") return false;
        return long.TryParse(line, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Fail($"INT argument '{line}' is not an integer");
    }

    private long ReadLong1()
    {
        var n = ReadByte();
        if (n > 8) throw Fail($"LONG1 of {n} bytes is too large for a shape or flag");
        var bytes = Take(n);
        long v = 0;
        for (var i = n - 1; i >= 0; i--) v = (v << 8) | bytes[i];
        if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
        return v;
    }

    private string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Fail("string is not valid UTF-8"); }
    }

    // ---- the allowed globals, as data ----
    private Global Resolve(string module, string name)
    {
        var ok = (module, name) switch
        {
            ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct" or "scalar") => true,
            ("numpy", "ndarray" or "dtype") => true,
            ("_codecs", "encode") => true,
            ("builtins" or "__builtin__", "bytearray") => true,
            _ => false,
        };
        return ok ? new Global(module, name) : throw Fail($"global {module}.{name} is not allowed (the reader never imports or calls code)");
    }

    private object? Reduce(object? fn, object? args)
    {
        if (fn is not Global g) throw Fail("REDUCE of something that is not an allowed global");
        if (args is not PickleValues.Tuple { Items: var a }) throw Fail($"REDUCE {g} arguments are not a tuple");
        switch (g.Name)
        {
            case "_reconstruct":
                if (a.Length != 3 || a[0] is not Global { Name: "ndarray" }) throw Fail("_reconstruct expects (numpy.ndarray, shape, typecode)");
                return new NdArray();
            case "dtype":
                if (a.Length is < 1 or > 3) throw Fail("numpy.dtype expects (name, align, copy)");
                return new Dtype(Text(a[0], "dtype name"));
            case "scalar":
                if (a.Length != 2 || a[0] is not Dtype d || a[1] is not byte[] raw) throw Fail("numpy scalar expects (dtype, bytes)");
                if (d.Name is not ("b1" or "?") || raw.Length != 1) throw Fail($"numpy scalar of dtype {d.Name} is not a bool");
                return raw[0] != 0;
            case "encode":
                if (a.Length != 2 || a[0] is not string text || a[1] is not string enc || enc.Replace("-", "", StringComparison.Ordinal) != "latin1")
                    throw Fail("_codecs.encode expects (str, 'latin1')");
                return Latin1Bytes(text);
            case "bytearray":
                return a switch
                {
                    [] => Array.Empty<byte>(),
                    [byte[] b] => b,
                    [string s, string enc2] when enc2.Replace("-", "", StringComparison.Ordinal) == "latin1" => Latin1Bytes(s),
                    _ => throw Fail("bytearray expects (bytes) or (str, 'latin-1')"),
                };
            default:
                throw Fail($"{g} cannot be called");
        }
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case Dtype:
                if (state is not PickleValues.Tuple) throw Fail("numpy.dtype state is not a tuple");
                return;
            case NdArray arr:
                if (state is not PickleValues.Tuple { Items: var s }) throw Fail("ndarray state is not a tuple");
                var items = s.Length switch
                {
                    5 => s[1..],
                    4 => s,
                    _ => throw Fail($"ndarray state has {s.Length} items (expected 4 or 5)"),
                };
                if (items[0] is not PickleValues.Tuple { Items: var shape } || shape.Any(x => x is not long))
                    throw Fail("ndarray shape is not a tuple of integers");
                if (items[1] is not Dtype dtype) throw Fail("ndarray dtype is missing");
                if (items[3] is not byte[] data) throw Fail("ndarray data is not raw bytes");
                if (dtype.Name != "u1") throw Fail($"ndarray dtype {dtype.Name} is not uint8");
                long count = 1;
                foreach (var o in shape)
                {
                    var dim = (long)o!;
                    if (dim < 0) throw Fail("negative ndarray dimension");
                    count = checked(count * Math.Min(dim, int.MaxValue));
                    if (count > int.MaxValue) throw Fail("ndarray too large");
                }

                if (count != data.Length) throw Fail($"ndarray of {count} elements holds {data.Length} bytes");
                arr.Shape = shape.Select(x => (int)(long)x!).ToArray();
                arr.Dtype = dtype;
                arr.Data = data;
                return;
            default:
                throw Fail("BUILD on a value that is not a numpy array or dtype");
        }
    }

    private string Text(object? v, string what) => v switch
    {
        string s => s,
        byte[] b => Latin1.GetString(b),
        _ => throw Fail($"{what} is not text"),
    };

    private byte[] Latin1Bytes(string s)
    {
        var bytes = new byte[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] > 0xFF) throw Fail("latin1 text holds a character above U+00FF");
            bytes[i] = (byte)s[i];
        }

        return bytes;
    }
}
