// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>The protobuf wire types (the low three bits of a field's tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>A run of bytes inside the model: a length-delimited field's payload, read later or never.</summary>
internal readonly struct ByteRange
{
    public ByteRange(int start, int length)
    {
        Start = start;
        Length = length;
    }

    public int Start { get; }

    public int Length { get; }

    public int End => Start + Length;
}

/// <summary>
/// Reads the protobuf wire format from one message's bytes, [start, end) of the whole model, without copying them:
/// tags, varints, fixed-size numbers, and length-delimited payloads as <see cref="ByteRange"/>s. Every read is checked
/// against the message's end before it happens, so no declared length or count is trusted: a field that runs past the
/// end of the file is <see cref="OnnxImportProblem.Truncated"/>, one that runs past the end of its enclosing message but
/// not of the file is <see cref="OnnxImportProblem.MalformedProtobuf"/>.
/// </summary>
internal struct ProtobufReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly int _end;
    private readonly string _message;
    private int _position;
    private int _tagStart;

    /// <param name="data">The whole model.</param>
    /// <param name="range">The message's bytes.</param>
    /// <param name="message">The message's protobuf type, such as <c>NodeProto</c>, for error messages.</param>
    public ProtobufReader(byte[] data, ByteRange range, string message)
    {
        _data = data;
        _position = range.Start;
        _end = range.End;
        _message = message;
    }

    /// <summary>The offset in the model of the next byte to read.</summary>
    public int Position => _position;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        field = 0;
        wireType = WireType.Varint;
        if (_position >= _end)
        {
            return false;
        }

        int at = _tagStart = _position;
        ulong tag = ReadVarint();
        if (tag > uint.MaxValue || (tag >> 3) == 0)
        {
            throw Malformed(at, $"a field tag {Number((long)(tag >> 3))} in {_message} is not a valid protobuf field number");
        }

        field = (int)(tag >> 3);
        int type = (int)(tag & 7);
        if (type is 6 or 7)
        {
            throw Malformed(at, $"field {Number(field)} of {_message} has the undefined wire type {Number(type)}");
        }

        if (type is (int)WireType.StartGroup or (int)WireType.EndGroup)
        {
            throw Malformed(at, $"field {Number(field)} of {_message} is a protobuf group, which ONNX never uses");
        }

        wireType = (WireType)type;
        return true;
    }

    /// <summary>Reads a base-128 varint of at most ten bytes.</summary>
    public ulong ReadVarint()
    {
        int at = _position;
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end)
            {
                throw PastEnd(at, _position + 1);
            }

            byte b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw Malformed(at, $"a varint in {_message} does not fit 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Malformed(at, $"a varint in {_message} is longer than ten bytes");
    }

    /// <summary>A varint read as protobuf's int64 (and int32, which is sign-extended to the same ten bytes).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>A 32-bit little-endian value (protobuf fixed32, float).</summary>
    public uint ReadFixed32()
    {
        Require(4);
        uint value = (uint)(_data[_position] | (_data[_position + 1] << 8) | (_data[_position + 2] << 16) | (_data[_position + 3] << 24));
        _position += 4;
        return value;
    }

    /// <summary>A 64-bit little-endian value (protobuf fixed64, double).</summary>
    public ulong ReadFixed64()
    {
        uint low = ReadFixed32();
        uint high = ReadFixed32();
        return low | ((ulong)high << 32);
    }

    /// <summary>A float field.</summary>
    public float ReadFloat() => FloatBits.ToSingle(ReadFixed32());

    /// <summary>A length-delimited field's payload, bounds-checked, as a range of the model.</summary>
    public ByteRange ReadLengthDelimited()
    {
        int at = _position;
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw PastEnd(at, length > int.MaxValue ? long.MaxValue : _position + (long)length);
        }

        if (length > (ulong)(_end - _position))
        {
            throw Malformed(at, $"a field of {_message} declares {Number((long)length)} bytes, past the end of the {_message} at byte {Number(_end)}");
        }

        var range = new ByteRange(_position, (int)length);
        _position += (int)length;
        return range;
    }

    /// <summary>A string field: strict UTF-8, as protobuf requires.</summary>
    public string ReadString()
    {
        var range = ReadLengthDelimited();
        return DecodeString(_data, range, _message);
    }

    /// <summary>Skips a field of <paramref name="wireType"/> whose tag was just read.</summary>
    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Require(8);
                _position += 8;
                break;
            case WireType.Fixed32:
                Require(4);
                _position += 4;
                break;
            default:
                ReadLengthDelimited();
                break;
        }
    }

    /// <summary>Strict UTF-8 text of a range of the model.</summary>
    public static string DecodeString(byte[] data, ByteRange range, string message)
    {
        if (range.Length == 0)
        {
            return string.Empty;
        }

        try
        {
            return StrictUtf8.GetString(data, range.Start, range.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new OnnxImportError(
                OnnxImportProblem.MalformedProtobuf,
                $"Malformed protobuf at byte {Number(range.Start)}: a string in {message} is not valid UTF-8");
        }
    }

    /// <summary>The error for a wire type that does not fit the field whose tag was just read.</summary>
    public OnnxImportError WrongWireType(int field, WireType wireType) =>
        Malformed(_tagStart, $"field {Number(field)} of {_message} has wire type {Number((int)wireType)}, which does not fit its declared type");

    /// <summary>The error for a singular message field, whose tag was just read, given twice (protobuf would merge the two; ONNX writers never do).</summary>
    public OnnxImportError Duplicate(string field) =>
        Malformed(_tagStart, $"{_message} holds its field '{field}' twice");

    internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private void Require(int count)
    {
        if (_end - _position < count)
        {
            throw PastEnd(_position, (long)_position + count);
        }
    }

    private OnnxImportError PastEnd(int at, long needed)
    {
        if (needed > _data.Length)
        {
            return new OnnxImportError(
                OnnxImportProblem.Truncated,
                $"The model is truncated: a field of {_message} at byte {Number(at)} needs the file to be at least {Number(needed)} bytes long, but it has {Number(_data.Length)}");
        }

        return Malformed(at, $"a field of {_message} runs past the end of the {_message} at byte {Number(_end)}");
    }

    private static OnnxImportError Malformed(int at, string what) =>
        new(OnnxImportProblem.MalformedProtobuf, $"Malformed protobuf at byte {Number(at)}: {what}");
}

/// <summary>IEEE 754 bit patterns to and from floating-point values (netstandard2.0 has no BitConverter.Int32BitsToSingle).</summary>
[StructLayout(LayoutKind.Explicit)]
internal struct FloatBits
{
    [FieldOffset(0)]
    private uint _bits;

    [FieldOffset(0)]
    private float _single;

    public static float ToSingle(uint bits) => new FloatBits { _bits = bits }._single;

    public static uint FromSingle(float value) => new FloatBits { _single = value }._bits;
}
