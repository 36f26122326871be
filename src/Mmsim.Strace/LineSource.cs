using System.Text;

namespace Mmsim.Strace;

/// <summary>
/// Splits a <see cref="TextReader"/> into lines through one reusable buffer, so memory stays bounded whatever the
/// input: a line longer than <see cref="MaxLineLength"/> is skipped without being held and reported as an error.
/// </summary>
internal sealed class LineSource
{
    /// <summary>Longest accepted line, in characters (1 MiB).</summary>
    internal const int MaxLineLength = 1 << 20;

    private const int InitialBuffer = 1 << 16;
    private const string TooLong = "line too long (more than 1048576 characters)";

    private readonly TextReader _reader;
    private readonly string _fileName;
    private char[] _buffer = new char[InitialBuffer];
    private int _start;
    private int _end;
    private int _scanned;
    private bool _eof;

    /// <summary>Creates a source over <paramref name="reader"/>; <paramref name="fileName"/> names it in errors.</summary>
    internal LineSource(TextReader reader, string fileName)
    {
        _reader = reader;
        _fileName = fileName;
    }

    /// <summary>Number of the line last returned by <see cref="TryNext"/> (1-based; 0 before the first).</summary>
    internal long LineNumber { get; private set; }

    /// <summary>True when the line last returned was ended by a newline (false only for a cut-off last line).</summary>
    internal bool HadNewline { get; private set; }

    /// <summary>Index in the buffer where the line last returned by <see cref="TryNext"/> starts.</summary>
    internal int LineStart { get; private set; }

    /// <summary>
    /// <paramref name="length"/> characters of the buffer from <paramref name="start"/> (an index from
    /// <see cref="LineStart"/>), without copying: valid until the next <see cref="TryNext"/>.
    /// </summary>
    internal ReadOnlyMemory<char> Borrow(int start, int length) => _buffer.AsMemory(start, length);

    /// <summary>
    /// Returns the next line without its <c>\n</c> (and a trailing <c>\r</c>); false at end of input. The span is
    /// valid until the next call. Throws <see cref="StraceFormatException"/> for an over-long line (after skipping it).
    /// </summary>
    internal bool TryNext(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            int rel = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf('\n');
            if (rel >= 0)
            {
                line = Take(_scanned + rel, true);
                return true;
            }
            _scanned = _end;
            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = Take(_end, false);
                return true;
            }
            MakeRoom();
            Fill();
        }
    }

    /// <summary>Cuts the line ending at <paramref name="end"/> out of the buffer and advances past it.</summary>
    private ReadOnlySpan<char> Take(int end, bool newline)
    {
        ReadOnlySpan<char> line = _buffer.AsSpan(_start, end - _start);
        LineStart = _start;
        _start = newline ? end + 1 : end;
        _scanned = _start;
        LineNumber++;
        HadNewline = newline;
        if (line.Length > MaxLineLength)
        {
            throw new StraceFormatException(_fileName, LineNumber, TooLong);
        }
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }
        return line;
    }

    /// <summary>Makes free space at the end of the buffer, moving or growing it; rejects a line past the limit.</summary>
    private void MakeRoom()
    {
        int pending = _end - _start;
        if (pending > MaxLineLength)
        {
            LineNumber++;
            SkipRestOfLine();
            throw new StraceFormatException(_fileName, LineNumber, TooLong);
        }
        if (_start > 0 && (_start >= _buffer.Length / 2 || _end == _buffer.Length))
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
            _scanned = pending;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineLength + InitialBuffer));
        }
    }

    /// <summary>Discards input up to and including the next newline (or to the end), holding at most one buffer.</summary>
    private void SkipRestOfLine()
    {
        while (true)
        {
            int rel = _buffer.AsSpan(_start, _end - _start).IndexOf('\n');
            if (rel >= 0)
            {
                _start += rel + 1;
                _scanned = _start;
                return;
            }
            _start = 0;
            _end = 0;
            _scanned = 0;
            if (_eof)
            {
                return;
            }
            Fill();
        }
    }

    /// <summary>Reads more characters after <c>_end</c>; sets end of input when the reader has none.</summary>
    private void Fill()
    {
        int n;
        try
        {
            n = _reader.Read(_buffer, _end, _buffer.Length - _end);
        }
        catch (DecoderFallbackException)
        {
            throw new StraceFormatException(_fileName, LineNumber + 1, "invalid character encoding");
        }
        if (n <= 0)
        {
            _eof = true;
            return;
        }
        _end += n;
    }
}
