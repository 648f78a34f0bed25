using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NetGen.Training;

/// <summary>Appends the little-endian fields of a checkpoint payload (see <see cref="TrainingCheckpoint"/>).</summary>
internal sealed class CheckpointWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void WriteBool(bool value)
    {
        _buffer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _buffer.Advance(1);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    /// <summary>A presence byte (0 or 1), then the value when present.</summary>
    public void WriteOptionalDouble(double? value)
    {
        WriteBool(value is not null);
        if (value is { } v)
        {
            WriteDouble(v);
        }
    }

    /// <summary>The UTF-8 byte count as an int32, then the bytes.</summary>
    public void WriteString(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        WriteInt32(count);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    /// <summary>The count as an int32, then the values as float64.</summary>
    public void WriteDoubles(ReadOnlySpan<double> values)
    {
        WriteInt32(values.Length);
        foreach (double value in values)
        {
            WriteDouble(value);
        }
    }

    /// <summary>The count as an int32, then the values as int32.</summary>
    public void WriteInt32s(ReadOnlySpan<int> values)
    {
        WriteInt32(values.Length);
        foreach (int value in values)
        {
            WriteInt32(value);
        }
    }
}

/// <summary>
/// Reads the fields <see cref="CheckpointWriter"/> wrote, checking every length against the bytes that remain before
/// allocating anything, so a hostile count cannot claim more memory than the file holds. Every failure is a
/// <see cref="CheckpointException"/> of kind <see cref="CheckpointProblem.Malformed"/> naming the field and its offset.
/// </summary>
internal ref struct CheckpointReader
{
    /// <summary>The longest string field accepted (names, descriptions, setting values).</summary>
    public const int MaximumStringBytes = 1 << 16;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private readonly string _path;
    private int _position;

    /// <param name="data">The payload.</param>
    /// <param name="baseOffset">The payload's offset in the file, for messages.</param>
    /// <param name="path">The file, for messages.</param>
    public CheckpointReader(ReadOnlySpan<byte> data, int baseOffset, string path)
    {
        _data = data;
        _baseOffset = baseOffset;
        _path = path;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly int FileOffset => _baseOffset + _position;

    public bool ReadBool(string field)
    {
        byte value = Take(1, field)[0];
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw Malformed(field, string.Create(CultureInfo.InvariantCulture, $"a presence flag is {value}, not 0 or 1")),
        };
    }

    public int ReadInt32(string field) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, field));

    /// <summary>An int32 in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public int ReadInt32(string field, int minimum, int maximum)
    {
        int offset = FileOffset;
        int value = ReadInt32(field);
        if (value < minimum || value > maximum)
        {
            throw Malformed(field, string.Create(CultureInfo.InvariantCulture, $"is {value} (at byte {offset}), outside [{minimum}, {maximum}]"));
        }

        return value;
    }

    public long ReadInt64(string field) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, field));

    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public double ReadDouble(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    public double? ReadOptionalDouble(string field) => ReadBool(field) ? ReadDouble(field) : null;

    public string ReadString(string field)
    {
        int count = ReadInt32(field + " length", 0, MaximumStringBytes);
        var bytes = Take(count, field);
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CheckpointException(CheckpointProblem.Malformed, $"{field} is not valid UTF-8 text", _path, e);
        }
    }

    public byte[] ReadBytes(int count, string field) => Take(count, field).ToArray();

    /// <summary>An int32 count, at most <paramref name="maximumCount"/> and what the remaining bytes can hold, then the
    /// float64 values.</summary>
    public double[] ReadDoubles(string field, int maximumCount = int.MaxValue)
    {
        int count = ReadCount(field, 8, maximumCount);
        var values = new double[count];
        var bytes = Take(count * 8, field);
        for (int i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * 8, 8));
        }

        return values;
    }

    /// <summary>An int32 count, then that many int32 values.</summary>
    public int[] ReadInt32s(string field, int maximumCount = int.MaxValue)
    {
        int count = ReadCount(field, 4, maximumCount);
        var values = new int[count];
        var bytes = Take(count * 4, field);
        for (int i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4, 4));
        }

        return values;
    }

    /// <summary>An int32 count of items of at least <paramref name="bytesEach"/> bytes, checked against the rest.</summary>
    public int ReadCount(string field, int bytesEach, int maximumCount = int.MaxValue)
    {
        int offset = FileOffset;
        int count = ReadInt32(field + " count");
        if (count < 0 || count > maximumCount || (long)count * bytesEach > Remaining)
        {
            throw Malformed(field, string.Create(CultureInfo.InvariantCulture,
                $"has a count of {count} (at byte {offset}), but {(count < 0 ? "a count is never negative" : count > maximumCount ? $"at most {maximumCount} are allowed" : $"only {Remaining} bytes follow")}"));
        }

        return count;
    }

    /// <summary>Fails unless every byte was read.</summary>
    public readonly void RequireEnd()
    {
        if (Remaining != 0)
        {
            throw new CheckpointException(
                CheckpointProblem.Malformed, string.Create(CultureInfo.InvariantCulture, $"{Remaining} unread bytes follow the last field (at byte {FileOffset})"), _path);
        }
    }

    public readonly CheckpointException Malformed(string field, string problem) =>
        new(CheckpointProblem.Malformed, $"{field} {problem}", _path);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
        {
            throw new CheckpointException(
                CheckpointProblem.Malformed,
                string.Create(CultureInfo.InvariantCulture, $"{field} needs {count} bytes at byte {FileOffset}, but the contents end after {Remaining}"),
                _path);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
