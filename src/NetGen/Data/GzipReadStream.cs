using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetGen.Data;

/// <summary>
/// Decompresses a gzip file (RFC 1952) of one member and checks all of it: the header, the deflate data running to
/// exactly eight bytes before the end of the file, and the trailer's CRC-32 and length of the decompressed content.
/// Anything else (a file cut short anywhere, a damaged byte, bytes after the member) is a
/// <see cref="DataFormatException"/> from the <see cref="Read(Span{byte})"/> that reaches it, at the latest the one
/// that would have returned the end of the content.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="GZipStream"/> alone is not enough: it returns the content decoded so far, without an error, when the
/// file ends inside the compressed data, and it ignores bytes after the last member. So the header and the trailer are
/// read here, and only the deflate data goes through <see cref="DeflateStream"/>, which reports when it ends but not
/// where: it reads its input in chunks. <see cref="DeflateInput"/> therefore hands it the last byte of the deflate
/// data on its own. If the deflate stream ends exactly there, the inflater has consumed every byte it was given; if it
/// ends earlier, it stops before that last byte is even offered, and the file has more bytes than one member; if it
/// asks for more after it, the file is truncated.
/// </para>
/// <para>
/// Files of several members (what <c>cat a.gz b.gz</c> makes; gzip decompresses them as one) are rejected rather
/// than read: finding each member's end would need the inflater's unread input, which <see cref="DeflateStream"/>
/// does not expose, and one-member files are what gzip, Python and .NET write. The message says how to recompress.
/// </para>
/// </remarks>
internal sealed class GzipReadStream : ReadOnlyStream
{
    private const int TrailerLength = 8;

    // RFC 1952, 2.3.1: FTEXT is only a hint, FHCRC a CRC-16 of the header, FEXTRA, FNAME and FCOMMENT optional fields;
    // the top three bits are reserved and gzip refuses a file that sets them.
    private const byte FlagHeaderCrc = 0x02;
    private const byte FlagExtra = 0x04;
    private const byte FlagName = 0x08;
    private const byte FlagComment = 0x10;
    private const byte ReservedFlags = 0xE0;

    private readonly Stream _file;
    private readonly string _displayName;
    private readonly DeflateInput _input;
    private readonly DeflateStream _deflate;
    private uint _crc;
    private long _contentLength;
    private bool _ended;

    private GzipReadStream(Stream file, string displayName, long dataStart, long dataEnd)
    {
        _file = file;
        _displayName = displayName;
        _input = new DeflateInput(file, dataStart, dataEnd);
        _deflate = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <summary>Reads the gzip header of <paramref name="file"/> and returns a stream of the decompressed content.</summary>
    /// <param name="file">A seekable stream at the start of the gzip data; the result owns it and disposes it.</param>
    /// <param name="displayName">The name errors give the file.</param>
    /// <exception cref="DataFormatException">The header is truncated or invalid.</exception>
    public static GzipReadStream Open(Stream file, string displayName)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(displayName);
        long dataStart = ReadHeader(file, displayName);
        return new GzipReadStream(file, displayName, dataStart, file.Length - TrailerLength);
    }

    /// <summary>Reads decompressed bytes; at the end of the content, checks that the file ended as it should.</summary>
    /// <exception cref="DataFormatException">The file is truncated, corrupt or longer than one gzip member.</exception>
    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        int read;
        try
        {
            read = _deflate.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            // The runtime's message for any inflate error speaks of "an unsupported compression method", which would
            // mislead here; the offset of the damage in the content is what helps.
            throw new DataFormatException(
                $"the gzip data is corrupt: the compressed stream cannot be decoded past {_contentLength} bytes of content", _displayName, innerException: e);
        }

        if (read > 0)
        {
            _crc = Crc32.Append(_crc, buffer[..read]);
            _contentLength += read;
            return read;
        }

        CheckEnd();
        _ended = true;
        return 0;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deflate.Dispose();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    private void CheckEnd()
    {
        if (_input.RanDry)
        {
            throw Truncated(_displayName, _file.Length, "before the end of the compressed data");
        }

        if (_input.Offset < _input.End)
        {
            // The deflate data ended before its last byte was even offered: more than a trailer follows it.
            throw new DataFormatException(
                $"the gzip data has bytes after its end: at least {_input.End - _input.Offset} more follow the compressed stream and its trailer "
                + "(a second gzip member, as concatenated .gz files have, or trailing garbage); only single-member gzip files are read, "
                + "so recompress it, e.g. gzip -dc in.gz | gzip > out.gz",
                _displayName);
        }

        Span<byte> trailer = stackalloc byte[TrailerLength];
        _file.Position = _input.End;
        if (_file.ReadAtLeast(trailer, TrailerLength, throwOnEndOfStream: false) < TrailerLength)
        {
            throw Truncated(_displayName, _file.Length, "in the trailer");
        }

        uint recordedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint recordedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (recordedCrc != _crc)
        {
            throw new DataFormatException(
                $"the gzip data is corrupt: the decompressed content has CRC-32 {_crc:X8} but the trailer records {recordedCrc:X8}", _displayName);
        }

        if (recordedLength != unchecked((uint)_contentLength))
        {
            throw new DataFormatException(
                $"the gzip data is corrupt: it decompresses to {_contentLength} bytes but the trailer records {recordedLength} (the length modulo 2^32)",
                _displayName);
        }
    }

    // Returns where the deflate data starts. Every header byte goes into a CRC for the optional FHCRC check.
    private static long ReadHeader(Stream file, string displayName)
    {
        long length = file.Length;
        var header = new HeaderReader(file, displayName, length);
        Span<byte> fixedPart = stackalloc byte[10];
        header.Read(fixedPart);
        if (fixedPart[0] != 0x1F || fixedPart[1] != 0x8B)
        {
            throw new DataFormatException($"not gzip data: it starts with {fixedPart[0]:X2} {fixedPart[1]:X2}, not 1F 8B", displayName);
        }

        if (fixedPart[2] != 8)
        {
            throw new DataFormatException($"the gzip header names compression method {fixedPart[2]}; only 8 (deflate) exists", displayName);
        }

        byte flags = fixedPart[3];
        if ((flags & ReservedFlags) != 0)
        {
            throw new DataFormatException($"the gzip header sets reserved flag bits ({flags:X2}); the file is corrupt or of a newer format", displayName);
        }

        if ((flags & FlagExtra) != 0)
        {
            Span<byte> extraLength = stackalloc byte[2];
            header.Read(extraLength);
            header.Skip(BinaryPrimitives.ReadUInt16LittleEndian(extraLength));
        }

        if ((flags & FlagName) != 0)
        {
            header.SkipZeroTerminated();
        }

        if ((flags & FlagComment) != 0)
        {
            header.SkipZeroTerminated();
        }

        if ((flags & FlagHeaderCrc) != 0)
        {
            ushort expected = (ushort)header.Crc;
            Span<byte> recorded = stackalloc byte[2];
            header.Read(recorded);
            ushort actual = BinaryPrimitives.ReadUInt16LittleEndian(recorded);
            if (actual != expected)
            {
                throw new DataFormatException($"the gzip header is corrupt: its CRC-16 is {expected:X4} but it records {actual:X4}", displayName);
            }
        }

        return file.Position;
    }

    private static DataFormatException Truncated(string displayName, long fileLength, string where) =>
        new($"the gzip data is truncated: the file ends after {fileLength} bytes, {where}", displayName);

    // Reads the header's bytes through the file's own buffer, checksumming them.
    private sealed class HeaderReader(Stream file, string displayName, long fileLength)
    {
        public uint Crc { get; private set; }

        public void Read(Span<byte> bytes)
        {
            if (file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            {
                throw Truncated(displayName, fileLength, "in the gzip header");
            }

            Crc = Crc32.Append(Crc, bytes);
        }

        public void Skip(int count)
        {
            Span<byte> scratch = stackalloc byte[256];
            while (count > 0)
            {
                int part = Math.Min(count, scratch.Length);
                Read(scratch[..part]);
                count -= part;
            }
        }

        public void SkipZeroTerminated()
        {
            Span<byte> one = stackalloc byte[1];
            do
            {
                Read(one);
            }
            while (one[0] != 0);
        }
    }

    /// <summary>
    /// The deflate data of the member, [start, <see cref="End"/>) of the file, handed to the inflater with its last
    /// byte on its own (see the class remarks).
    /// </summary>
    private sealed class DeflateInput(Stream file, long start, long end) : ReadOnlyStream
    {
        /// <summary>The file offset of the next byte to hand over.</summary>
        public long Offset { get; private set; } = start;

        /// <summary>Where the deflate data must end: eight bytes before the end of the file.</summary>
        public long End { get; } = end;

        /// <summary>Whether the inflater asked for more after every byte had been handed over: the data is cut short.</summary>
        public bool RanDry { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            long remaining = End - Offset;
            if (remaining <= 0 || buffer.IsEmpty)
            {
                RanDry |= remaining <= 0;
                return 0;
            }

            int count = remaining == 1 ? 1 : (int)Math.Min(buffer.Length, remaining - 1);
            int read = file.Read(buffer[..count]);
            if (read == 0)
            {
                // The file shrank while it was being read.
                RanDry = true;
                return 0;
            }

            Offset += read;
            return read;
        }
    }
}
