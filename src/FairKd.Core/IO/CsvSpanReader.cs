namespace FairKd.Core.IO;

/// <summary>
/// <see cref="Csv.Read"/> without a string per field: the same records (same fields, line numbers and errors; lines end
/// at '\n', '\r' or "\r\n" like <see cref="TextReader.ReadLine"/>), each field a span into one reused buffer that is
/// valid until the next <see cref="Next"/>. For inputs of tens of millions of rows (labels.csv at WebFace42M size).
/// </summary>
public sealed class CsvSpanReader(TextReader reader)
{
    private readonly TextReader _reader = reader ?? throw new ArgumentNullException(nameof(reader));
    private char[] _text = new char[1 << 16];
    private int _pos, _end, _line;
    private bool _eof;
    private char[] _chars = new char[256];
    private int _length;
    private readonly List<(int Start, int Length)> _fields = [];

    /// <summary>1-based line the current record starts on.</summary>
    public int Line { get; private set; }

    /// <summary>The current record's parse error (then its fields are partial), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Fields of the current record.</summary>
    public int Count => _fields.Count;

    /// <summary>Field <paramref name="i"/> of the current record.</summary>
    public ReadOnlySpan<char> this[int i] => _chars.AsSpan(_fields[i].Start, _fields[i].Length);

    /// <summary>Reads the next record; false at the end of the input.</summary>
    public bool Next()
    {
        if (!TryReadLine(out var text)) return false;
        _line++;
        Line = _line;
        _fields.Clear();
        _length = 0;
        Error = null;
        var start = 0;
        var i = 0;
        while (true)
        {
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        if (!TryReadLine(out var next)) { Error = "unterminated quoted field"; break; }
                        _line++;
                        Append('\n');
                        text = next;
                        i = 0;
                        continue;
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }

                    Append(text[i++]);
                }

                if (Error is null && i < text.Length && text[i] != ',') Error = $"text after a closing quote at column {i + 1}";
            }
            else
            {
                var end = text[i..].IndexOfAny(',', '"');
                if (end >= 0 && text[i + end] == '"')
                {
                    Error ??= $"a double quote inside an unquoted field at column {i + 1}";
                    end = text[i..].IndexOf(',');
                }

                end = end < 0 ? text.Length : i + end;
                var raw = text[i..end];
                Append(raw);
                i = end;
            }

            if (Error is not null) break;
            _fields.Add((start, _length - start));
            start = _length;
            if (i >= text.Length) break;
            i++; // the comma
            if (i == text.Length) { _fields.Add((start, 0)); break; }
        }

        return true;
    }

    private void Append(char c)
    {
        if (_length == _chars.Length) Array.Resize(ref _chars, _chars.Length * 2);
        _chars[_length++] = c;
    }

    private void Append(ReadOnlySpan<char> s)
    {
        if (_length + s.Length > _chars.Length) Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _length + s.Length));
        s.CopyTo(_chars.AsSpan(_length));
        _length += s.Length;
    }

    /// <summary>The next line without its terminator ('\n', '\r' or "\r\n"), valid until the next call.</summary>
    private bool TryReadLine(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            var span = _text.AsSpan(_pos, _end - _pos);
            var i = span.IndexOfAny('\r', '\n');
            if (i >= 0 && (span[i] == '\n' || i + 1 < span.Length || _eof))
            {
                line = span[..i];
                _pos += span[i] == '\r' && i + 1 < span.Length && span[i + 1] == '\n' ? i + 2 : i + 1;
                return true;
            }

            if (_eof)
            {
                line = span;
                _pos = _end;
                return span.Length > 0;
            }

            Fill();
        }
    }

    private void Fill()
    {
        if (_pos > 0)
        {
            Array.Copy(_text, _pos, _text, 0, _end - _pos);
            _end -= _pos;
            _pos = 0;
        }

        if (_end == _text.Length) Array.Resize(ref _text, _text.Length * 2);
        var n = _reader.Read(_text, _end, _text.Length - _end);
        if (n == 0) _eof = true;
        else _end += n;
    }
}
