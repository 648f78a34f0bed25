// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// Decodes a tensor's elements from raw_data (little-endian, row-major) or from its typed field (float_data, double_data,
/// int32_data, int64_data, uint64_data; packed or not), after checking that the data holds exactly as many elements as
/// the shape says, so nothing is allocated for a size the bytes do not back.
/// </summary>
internal static class OnnxTensorData
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int UInt16 = 4;
    public const int Int16 = 5;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Bool = 9;
    public const int Float16 = 10;
    public const int Double = 11;
    public const int UInt32 = 12;
    public const int UInt64 = 13;
    public const int BFloat16 = 16;

    private const int FloatDataField = 4;
    private const int Int32DataField = 5;
    private const int Int64DataField = 7;
    private const int DoubleDataField = 10;
    private const int UInt64DataField = 11;

    /// <summary>Whether elements of <paramref name="dataType"/> are floating-point numbers NetGen reads as weights.</summary>
    public static bool IsReal(int dataType) => dataType is Float or Double or Float16 or BFloat16;

    /// <summary>The ONNX name of a data type, such as FLOAT16.</summary>
    public static string TypeName(int dataType) => dataType switch
    {
        0 => "UNDEFINED",
        Float => "FLOAT",
        UInt8 => "UINT8",
        Int8 => "INT8",
        UInt16 => "UINT16",
        Int16 => "INT16",
        Int32 => "INT32",
        Int64 => "INT64",
        8 => "STRING",
        Bool => "BOOL",
        Float16 => "FLOAT16",
        Double => "DOUBLE",
        UInt32 => "UINT32",
        UInt64 => "UINT64",
        14 => "COMPLEX64",
        15 => "COMPLEX128",
        BFloat16 => "BFLOAT16",
        >= 17 and <= 26 => "an 8-, 4- or 2-bit type (" + ProtobufReader.Number(dataType) + ")",
        _ => "the undefined type " + ProtobufReader.Number(dataType),
    };

    /// <summary>The shape as text, such as [3, 4].</summary>
    public static string ShapeText(long[] dims)
    {
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            parts[i] = ProtobufReader.Number(dims[i]);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>The number of elements the shape holds, checked: no negative dimension, no overflow, within a .NET array.</summary>
    public static long ElementCount(OnnxTensor tensor)
    {
        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            if (dim < 0)
            {
                throw new OnnxImportError(OnnxImportProblem.HostileSize, $"Tensor '{tensor.Name}' has the negative dimension {ProtobufReader.Number(dim)} in its shape {ShapeText(tensor.Dims)}", tensor: tensor.Name);
            }

            if (dim != 0 && count > OnnxImportLimits.MaxTensorElements / dim)
            {
                throw new OnnxImportError(OnnxImportProblem.HostileSize, $"Tensor '{tensor.Name}' has the shape {ShapeText(tensor.Dims)}, more than {ProtobufReader.Number(OnnxImportLimits.MaxTensorElements)} elements", tensor: tensor.Name);
            }

            count *= dim;
        }

        return count;
    }

    /// <summary>
    /// The elements as doubles: exact for FLOAT, DOUBLE, FLOAT16 and BFLOAT16, and for the integers and BOOL of shapes,
    /// indices and flags (an INT64 or UINT64 beyond 2^53 is rounded; no shape is that large).
    /// </summary>
    /// <exception cref="OnnxImportError">External or segmented data, an unsupported type, or data that does not fit the shape.</exception>
    public static double[] ReadReal(byte[] data, OnnxTensor tensor, string? node)
    {
        int count = CheckedCount(data, tensor, node, out bool typed);
        var values = new double[count];
        if (!typed)
        {
            int size = RawSize(tensor.DataType);
            int at = tensor.Raw!.Value.Start;
            for (int i = 0; i < count; i++, at += size)
            {
                values[i] = DecodeRaw(data, at, tensor.DataType);
            }

            return values;
        }

        int index = 0;
        var reader = new ProtobufReader(data, tensor.Message, "TensorProto");
        int field = TypedField(tensor.DataType);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f != field)
            {
                reader.Skip(wire);
                continue;
            }

            if (wire == WireType.LengthDelimited)
            {
                var packed = reader.ReadLengthDelimited();
                var packedReader = new ProtobufReader(data, packed, "TensorProto");
                while (packedReader.Position < packed.End)
                {
                    values[index++] = DecodeTyped(ref packedReader, tensor.DataType);
                }
            }
            else
            {
                values[index++] = DecodeTyped(ref reader, tensor.DataType);
            }
        }

        return values;
    }

    /// <summary>IEEE 754 binary16 to binary32, exactly (every half is a float).</summary>
    public static float HalfToSingle(ushort half)
    {
        uint sign = (uint)(half >> 15) << 31;
        int exponent = (half >> 10) & 0x1F;
        uint mantissa = (uint)(half & 0x3FF);
        if (exponent == 0x1F)
        {
            return FloatBits.ToSingle(sign | 0x7F800000u | (mantissa << 13));
        }

        if (exponent == 0)
        {
            if (mantissa == 0)
            {
                return FloatBits.ToSingle(sign);
            }

            // A subnormal half is a normal float: shift the leading 1 into the implicit bit.
            int e = -14;
            while ((mantissa & 0x400) == 0)
            {
                mantissa <<= 1;
                e--;
            }

            return FloatBits.ToSingle(sign | ((uint)(e + 127) << 23) | ((mantissa & 0x3FF) << 13));
        }

        return FloatBits.ToSingle(sign | ((uint)(exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /// <summary>bfloat16 to binary32, exactly: the top half of a float's bits.</summary>
    public static float BFloat16ToSingle(ushort bits) => FloatBits.ToSingle((uint)bits << 16);

    // Validates everything about the data before anything is allocated: location, type, and that raw_data's length or
    // the typed field's element count matches the shape's element count.
    private static int CheckedCount(byte[] data, OnnxTensor tensor, string? node, out bool typed)
    {
        if (tensor.IsExternal)
        {
            string where = tensor.ExternalLocation is { Length: > 0 } location ? $"the external file '{location}'" : "an external file";
            throw new OnnxImportError(OnnxImportProblem.ExternalData, $"Tensor '{tensor.Name}' keeps its data in {where}; NetGen reads self-contained models only (save with onnx.save_model(model, path, save_as_external_data=False))", node, tensor.Name);
        }

        if (tensor.HasSegment)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Tensor '{tensor.Name}' is stored in segments (TensorProto.segment), which NetGen does not read", node, tensor.Name);
        }

        if (RawSize(tensor.DataType) == 0)
        {
            throw new OnnxImportError(OnnxImportProblem.UnsupportedDataType, $"Tensor '{tensor.Name}' is {TypeName(tensor.DataType)}; NetGen reads FLOAT, DOUBLE, FLOAT16 and BFLOAT16 values (and integer shapes)", node, tensor.Name);
        }

        long count = ElementCount(tensor);
        long typedCount = TypedCount(data, tensor);
        if (tensor.Raw is { } raw)
        {
            if (typedCount > 0)
            {
                throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Tensor '{tensor.Name}' holds its data both in raw_data and in a typed field", node, tensor.Name);
            }

            long size = RawSize(tensor.DataType);
            if (raw.Length != count * size)
            {
                throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Tensor '{tensor.Name}' has the shape {ShapeText(tensor.Dims)} ({ProtobufReader.Number(count)} elements of {TypeName(tensor.DataType)}, {ProtobufReader.Number(count * size)} bytes) but its raw_data is {ProtobufReader.Number(raw.Length)} bytes", node, tensor.Name);
            }

            typed = false;
            return (int)count;
        }

        if (typedCount != count)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Tensor '{tensor.Name}' has the shape {ShapeText(tensor.Dims)} ({ProtobufReader.Number(count)} elements) but holds {ProtobufReader.Number(typedCount)} values of {TypeName(tensor.DataType)}", node, tensor.Name);
        }

        typed = true;
        return (int)count;
    }

    private static long TypedCount(byte[] data, OnnxTensor tensor)
    {
        int field = TypedField(tensor.DataType);
        bool fixedSize = tensor.DataType is Float or Double;
        int size = tensor.DataType == Double ? 8 : 4;
        long count = 0;
        var reader = new ProtobufReader(data, tensor.Message, "TensorProto");
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f != field)
            {
                reader.Skip(wire);
                continue;
            }

            var expected = !fixedSize ? WireType.Varint : size == 8 ? WireType.Fixed64 : WireType.Fixed32;
            if (wire == WireType.LengthDelimited)
            {
                var packed = reader.ReadLengthDelimited();
                if (fixedSize && packed.Length % size != 0)
                {
                    throw new OnnxImportError(OnnxImportProblem.MalformedProtobuf, $"Malformed protobuf at byte {ProtobufReader.Number(packed.Start)}: the packed data of tensor '{tensor.Name}' is {ProtobufReader.Number(packed.Length)} bytes, not a multiple of {ProtobufReader.Number(size)}", tensor: tensor.Name);
                }

                count += fixedSize ? packed.Length / size : OnnxModelReader.CountPackedVarints(data, packed, "TensorProto");
            }
            else if (wire == expected)
            {
                reader.Skip(wire);
                count++;
            }
            else
            {
                throw reader.WrongWireType(f, wire);
            }
        }

        return count;
    }

    private static int TypedField(int dataType) => dataType switch
    {
        Float => FloatDataField,
        Double => DoubleDataField,
        Int64 => Int64DataField,
        UInt32 or UInt64 => UInt64DataField,
        _ => Int32DataField,
    };

    private static int RawSize(int dataType) => dataType switch
    {
        Float or Int32 or UInt32 => 4,
        Double or Int64 or UInt64 => 8,
        Float16 or BFloat16 or Int16 or UInt16 => 2,
        Int8 or UInt8 or Bool => 1,
        _ => 0,
    };

    private static double DecodeRaw(byte[] data, int at, int dataType)
    {
        switch (dataType)
        {
            case Float:
                return FloatBits.ToSingle(UInt32At(data, at));
            case Double:
                return BitConverter.Int64BitsToDouble((long)(UInt32At(data, at) | ((ulong)UInt32At(data, at + 4) << 32)));
            case Float16:
                return HalfToSingle(UInt16At(data, at));
            case BFloat16:
                return BFloat16ToSingle(UInt16At(data, at));
            case Int32:
                return (int)UInt32At(data, at);
            case UInt32:
                return UInt32At(data, at);
            case Int64:
                return (long)(UInt32At(data, at) | ((ulong)UInt32At(data, at + 4) << 32));
            case UInt64:
                return UInt32At(data, at) | ((ulong)UInt32At(data, at + 4) << 32);
            case Int16:
                return (short)UInt16At(data, at);
            case UInt16:
                return UInt16At(data, at);
            case Int8:
                return (sbyte)data[at];
            default:
                // UINT8 and BOOL.
                return data[at];
        }
    }

    private static double DecodeTyped(ref ProtobufReader reader, int dataType)
    {
        switch (dataType)
        {
            case Float:
                return reader.ReadFloat();
            case Double:
                return BitConverter.Int64BitsToDouble((long)reader.ReadFixed64());
            case UInt32:
            case UInt64:
                return reader.ReadVarint();
            case Int64:
                return reader.ReadInt64();
        }

        // int32_data: an int32 varint; 16-bit types keep their bit pattern in its low 16 bits.
        long value = reader.ReadInt64();
        return dataType switch
        {
            Float16 => HalfToSingle(unchecked((ushort)value)),
            BFloat16 => BFloat16ToSingle(unchecked((ushort)value)),
            Int32 => unchecked((int)value),
            Int16 => unchecked((short)value),
            UInt16 => unchecked((ushort)value),
            Int8 => unchecked((sbyte)value),
            UInt8 => unchecked((byte)value),
            _ => value != 0 ? 1 : 0,
        };
    }

    private static ushort UInt16At(byte[] data, int at) => (ushort)(data[at] | (data[at + 1] << 8));

    private static uint UInt32At(byte[] data, int at) =>
        (uint)(data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24));
}
