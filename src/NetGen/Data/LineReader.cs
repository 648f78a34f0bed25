using System;
using System.IO;

namespace NetGen.Data;

/// <summary>
/// Splits text into lines as <see cref="TextReader.ReadLine"/> does (ending at <c>\n</c>, <c>\r\n</c> or <c>\r</c>),
/// but returns each line as a span over its own buffer, so reading a line allocates nothing, and refuses a line
/// longer than a limit before holding more than the limit of it. Memory: one buffer of at most twice the longest line
/// seen (at least <see cref="InitialBufferLength"/> characters), never more than the limit + 2 characters.
/// </summary>
internal sealed class LineReader
{
    private const int InitialBufferLength = 16 * 1024;

    private readonly TextReader _reader;
    private readonly string _displayName;
    private readonly int _maxLineLength;
    private readonly long _maxCharacters;
    private readonly string _lineLimitName;
    private readonly string _contentLimitName;
    private char[] _buffer;
    private int _start;
    private int _end;
    private bool _atEnd;

    /// <summary>Creates a reader of <paramref name="reader"/>'s text.</summary>
    /// <param name="reader">The text (not disposed).</param>
    /// <param name="displayName">The name errors give the source.</param>
    /// <param name="maxLineLength">The most characters a line may have, not counting its line break.</param>
    /// <param name="lineLimitName">The option that sets <paramref name="maxLineLength"/>, for the message.</param>
    /// <param name="maxCharacters">The most characters the whole text may have.</param>
    /// <param name="contentLimitName">The option that sets <paramref name="maxCharacters"/>, for the message.</param>
    public LineReader(TextReader reader, string displayName, int maxLineLength, string lineLimitName, long maxCharacters, string contentLimitName)
    {
        _reader = reader;
        _displayName = displayName;
        _maxLineLength = maxLineLength;
        _lineLimitName = lineLimitName;
        _maxCharacters = maxCharacters;
        _contentLimitName = contentLimitName;
        _buffer = new char[(int)Math.Min(InitialBufferLength, maxLineLength + 2L)];
    }

    /// <summary>The 1-based number of the line last returned; 0 before the first.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The number of characters read from the text so far.</summary>
    public long CharactersRead { get; private set; }

    /// <summary>Reads the next line, without its line break.</summary>
    /// <param name="line">The line; valid until the next call.</param>
    /// <returns><see langword="false"/> at the end of the text.</returns>
    /// <exception cref="DataFormatException">The line is too long, the text too large, or the source cannot be read.</exception>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        // Characters [_start, _start + scanned) are known to hold no line break.
        int scanned = 0;
        while (true)
        {
            int found = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOfAny('\r', '\n');
            if (found >= 0)
            {
                int breakAt = _start + scanned + found;
                if (_buffer[breakAt] == '\r' && breakAt + 1 == _end && !_atEnd)
                {
                    // Whether this \r is half of a \r\n depends on a character not read yet.
                    scanned = breakAt - _start;
                    CheckLength(scanned);
                    Fill();
                    continue;
                }

                int length = breakAt - _start;
                CheckLength(length);
                line = _buffer.AsSpan(_start, length);
                _start = breakAt + (_buffer[breakAt] == '\r' && breakAt + 1 < _end && _buffer[breakAt + 1] == '\n' ? 2 : 1);
                LineNumber++;
                return true;
            }

            scanned = _end - _start;
            CheckLength(scanned);
            if (_atEnd)
            {
                if (scanned == 0)
                {
                    line = default;
                    return false;
                }

                // The last line has no line break.
                line = _buffer.AsSpan(_start, scanned);
                _start = _end;
                LineNumber++;
                return true;
            }

            Fill();
        }
    }

    private void CheckLength(int length)
    {
        if (length > _maxLineLength)
        {
            throw new DataFormatException(
                $"the line is longer than {_maxLineLength} characters, the limit ({_lineLimitName})", _displayName, LineNumber + 1);
        }
    }

    // Moves the unread characters to the front, grows the buffer if they fill it, and reads more after them.
    private void Fill()
    {
        int pending = _end - _start;
        if (pending == _buffer.Length)
        {
            // Reached only while pending ≤ the line limit + 1 (CheckLength ran), so the buffer grows within the limit + 2.
            var larger = new char[(int)Math.Min(2L * _buffer.Length, _maxLineLength + 2L)];
            _buffer.AsSpan(_start, pending).CopyTo(larger);
            _buffer = larger;
        }
        else if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
        }

        _start = 0;
        _end = pending;
        int read;
        try
        {
            read = _reader.Read(_buffer.AsSpan(_end));
        }
        catch (DataFormatException e) when (e.Line is null)
        {
            // A gzip or size error found while decoding: say how far the text had got.
            throw new DataFormatException(e.Problem, e.Path ?? _displayName, LineNumber + 1, e.Offset, e);
        }
        catch (InvalidDataException e)
        {
            // A caller's own decompressing reader reports damage this way.
            throw new DataFormatException($"the text cannot be read past this point: {e.Message}", _displayName, LineNumber + 1, innerException: e);
        }

        if (read == 0)
        {
            _atEnd = true;
            return;
        }

        _end += read;
        CharactersRead += read;
        if (CharactersRead > _maxCharacters)
        {
            throw new DataFormatException(
                $"the text has more than {_maxCharacters} characters, the limit ({_contentLimitName})", _displayName, LineNumber + 1);
        }
    }
}
