// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>
/// Parses the ONNX subset NetGen needs from a model's bytes: ModelProto (opset imports, producer, metadata,
/// graph), GraphProto (nodes, initializers, inputs, outputs), NodeProto, AttributeProto, TensorProto (header only; the
/// data stays in place) and ValueInfoProto with its tensor type and shape. Fields outside the subset are skipped by wire
/// type, so no nested message is descended into unless it is read, and nothing recurses deeper than
/// Model → Graph → Node → Attribute → Tensor.
/// </summary>
/// <remarks>
/// Allocation stays proportional to the model: arrays of repeated fields are sized by counting the fields first (every
/// field takes at least one byte, and counts are capped by <see cref="OnnxImportLimits"/>), and tensor data is not
/// copied.
/// </remarks>
internal static class OnnxModelReader
{
    // Field numbers, from onnx.proto.
    private const int ModelProducerName = 2;
    private const int ModelProducerVersion = 3;
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;
    private const int ModelMetadataProps = 14;
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int GraphSparseInitializer = 15;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;
    private const int NodeDomain = 7;
    private const int AttributeName = 1;
    private const int AttributeF = 2;
    private const int AttributeI = 3;
    private const int AttributeS = 4;
    private const int AttributeT = 5;
    private const int AttributeFloats = 7;
    private const int AttributeInts = 8;
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorSegment = 3;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int TensorExternalData = 13;
    private const int TensorDataLocation = 14;
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensorType = 1;
    private const int TypeTensorElemType = 1;
    private const int TypeTensorShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;
    private const int EntryKey = 1;
    private const int EntryValue = 2;

    /// <summary>Parses a model.</summary>
    /// <exception cref="OnnxImportError">The bytes are truncated, malformed, or beyond the limits.</exception>
    public static OnnxModel Read(byte[] data)
    {
        var whole = new ByteRange(0, data.Length);
        string producerName = string.Empty, producerVersion = string.Empty;
        ByteRange? graphRange = null;
        int opsetCount = Count(data, whole, "ModelProto", ModelOpsetImport, OnnxImportLimits.MaxModelEntries, "opset imports");
        int metadataCount = Count(data, whole, "ModelProto", ModelMetadataProps, OnnxImportLimits.MaxModelEntries, "metadata entries");
        var opsets = NewArray<OnnxOpset>(opsetCount);
        var metadata = NewArray<OnnxMetadataEntry>(metadataCount);
        int opset = 0, entry = 0;
        var reader = new ProtobufReader(data, whole, "ModelProto");
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case ModelProducerName:
                    producerName = String(ref reader, field, wire);
                    break;
                case ModelProducerVersion:
                    producerVersion = String(ref reader, field, wire);
                    break;
                case ModelGraph:
                    if (graphRange is not null)
                    {
                        throw reader.Duplicate("graph");
                    }

                    graphRange = Message(ref reader, field, wire);
                    break;
                case ModelOpsetImport:
                    opsets[opset++] = ReadOpset(data, Message(ref reader, field, wire));
                    break;
                case ModelMetadataProps:
                    var (key, value) = ReadEntry(data, Message(ref reader, field, wire));
                    metadata[entry++] = new OnnxMetadataEntry(key, value);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (graphRange is not { } graph)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, data.Length == 0
                ? "The model is empty (0 bytes)"
                : "The model has no graph: the bytes parse as protobuf, but field 7 (ModelProto.graph) is missing, so this is not an ONNX model");
        }

        return new OnnxModel(data, opsets, producerName, producerVersion, ReadGraph(data, graph), metadata);
    }

    private static OnnxOpset ReadOpset(byte[] data, ByteRange range)
    {
        string domain = string.Empty;
        long version = 0;
        var reader = new ProtobufReader(data, range, "OperatorSetIdProto");
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case 1:
                    domain = String(ref reader, field, wire);
                    break;
                case 2:
                    version = Varint(ref reader, field, wire);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OnnxOpset(domain, version);
    }

    private static (string Key, string Value) ReadEntry(byte[] data, ByteRange range)
    {
        string key = string.Empty, value = string.Empty;
        var reader = new ProtobufReader(data, range, "StringStringEntryProto");
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case EntryKey:
                    key = String(ref reader, field, wire);
                    break;
                case EntryValue:
                    value = String(ref reader, field, wire);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return (key, value);
    }

    private static OnnxGraph ReadGraph(byte[] data, ByteRange range)
    {
        const string Type = "GraphProto";
        var nodes = NewArray<OnnxNode>(Count(data, range, Type, GraphNode, OnnxImportLimits.MaxNodes, "nodes"));
        var initializers = NewArray<OnnxTensor>(Count(data, range, Type, GraphInitializer, OnnxImportLimits.MaxInitializers, "initializers"));
        var inputs = NewArray<OnnxValueInfo>(Count(data, range, Type, GraphInput, OnnxImportLimits.MaxGraphValues, "inputs"));
        var outputs = NewArray<OnnxValueInfo>(Count(data, range, Type, GraphOutput, OnnxImportLimits.MaxGraphValues, "outputs"));
        int node = 0, initializer = 0, input = 0, output = 0, sparse = 0;
        var reader = new ProtobufReader(data, range, Type);
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case GraphNode:
                    nodes[node] = ReadNode(data, Message(ref reader, field, wire), node);
                    node++;
                    break;
                case GraphInitializer:
                    initializers[initializer++] = ReadTensor(data, Message(ref reader, field, wire));
                    break;
                case GraphInput:
                    inputs[input++] = ReadValueInfo(data, Message(ref reader, field, wire));
                    break;
                case GraphOutput:
                    outputs[output++] = ReadValueInfo(data, Message(ref reader, field, wire));
                    break;
                case GraphSparseInitializer:
                    Message(ref reader, field, wire);
                    sparse++;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OnnxGraph(nodes, initializers, sparse, inputs, outputs);
    }

    private static OnnxNode ReadNode(byte[] data, ByteRange range, int index)
    {
        const string Type = "NodeProto";
        var inputs = NewArray<string>(Count(data, range, Type, NodeInput, OnnxImportLimits.MaxNodeValues, "inputs of one node"));
        var outputs = NewArray<string>(Count(data, range, Type, NodeOutput, OnnxImportLimits.MaxNodeValues, "outputs of one node"));
        var attributes = NewArray<OnnxAttribute>(Count(data, range, Type, NodeAttribute, OnnxImportLimits.MaxAttributes, "attributes of one node"));
        int input = 0, output = 0, attribute = 0;
        string name = string.Empty, opType = string.Empty, domain = string.Empty;
        var reader = new ProtobufReader(data, range, Type);
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case NodeInput:
                    inputs[input++] = String(ref reader, field, wire);
                    break;
                case NodeOutput:
                    outputs[output++] = String(ref reader, field, wire);
                    break;
                case NodeName:
                    name = String(ref reader, field, wire);
                    break;
                case NodeOpType:
                    opType = String(ref reader, field, wire);
                    break;
                case NodeDomain:
                    domain = String(ref reader, field, wire);
                    break;
                case NodeAttribute:
                    attributes[attribute++] = ReadAttribute(data, Message(ref reader, field, wire));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OnnxNode(index, name, opType, domain, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(byte[] data, ByteRange range)
    {
        const string Type = "AttributeProto";
        string name = string.Empty;
        float? f = null;
        long? i = null;
        ByteRange? s = null;
        OnnxTensor? t = null;
        var reader = new ProtobufReader(data, range, Type);
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case AttributeName:
                    name = String(ref reader, field, wire);
                    break;
                case AttributeF:
                    f = wire == WireType.Fixed32 ? reader.ReadFloat() : throw reader.WrongWireType(field, wire);
                    break;
                case AttributeI:
                    i = Varint(ref reader, field, wire);
                    break;
                case AttributeS:
                    s = Message(ref reader, field, wire);
                    break;
                case AttributeT:
                    if (t is not null)
                    {
                        throw reader.Duplicate("t");
                    }

                    t = ReadTensor(data, Message(ref reader, field, wire));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        float[]? floats = HasField(data, range, Type, AttributeFloats) ? ReadRepeatedFloat(data, range, Type, AttributeFloats) : null;
        long[]? ints = HasField(data, range, Type, AttributeInts) ? ReadRepeatedInt64(data, range, Type, AttributeInts) : null;
        return new OnnxAttribute(name, f, i, s, t, floats, ints);
    }

    /// <summary>Reads a TensorProto's header: name, type, dims, where its data is.</summary>
    public static OnnxTensor ReadTensor(byte[] data, ByteRange range)
    {
        const string Type = "TensorProto";
        string name = string.Empty;
        int dataType = 0;
        ByteRange? raw = null;
        string? location = null;
        bool external = false, segment = false;
        var reader = new ProtobufReader(data, range, Type);
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case TensorName:
                    name = String(ref reader, field, wire);
                    break;
                case TensorDataType:
                    dataType = (int)Varint(ref reader, field, wire);
                    break;
                case TensorRawData:
                    raw = Message(ref reader, field, wire);
                    break;
                case TensorSegment:
                    Message(ref reader, field, wire);
                    segment = true;
                    break;
                case TensorExternalData:
                    var (key, value) = ReadEntry(data, Message(ref reader, field, wire));
                    external = true;
                    if (key == "location")
                    {
                        location = value;
                    }

                    break;
                case TensorDataLocation:
                    external |= Varint(ref reader, field, wire) == 1;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        var dims = ReadRepeatedInt64(data, range, Type, TensorDims);
        if (dims.Length > OnnxImportLimits.MaxRank)
        {
            throw new OnnxImportError(OnnxImportProblem.HostileSize, $"Tensor '{name}' has rank {ProtobufReader.Number(dims.Length)}; at most {ProtobufReader.Number(OnnxImportLimits.MaxRank)} is read", tensor: name);
        }

        return new OnnxTensor(name, dataType, dims, range, raw, location, external, segment);
    }

    private static OnnxValueInfo ReadValueInfo(byte[] data, ByteRange range)
    {
        string name = string.Empty;
        ByteRange? type = null;
        var reader = new ProtobufReader(data, range, "ValueInfoProto");
        while (reader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case ValueInfoName:
                    name = String(ref reader, field, wire);
                    break;
                case ValueInfoType:
                    if (type is not null)
                    {
                        throw reader.Duplicate("type");
                    }

                    type = Message(ref reader, field, wire);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (type is not { } typeRange)
        {
            return new OnnxValueInfo(name, isTensor: false, 0, null);
        }

        ByteRange? tensorType = null;
        var typeReader = new ProtobufReader(data, typeRange, "TypeProto");
        while (typeReader.TryReadTag(out int field, out var wire))
        {
            if (field == TypeTensorType)
            {
                if (tensorType is not null)
                {
                    throw typeReader.Duplicate("tensor_type");
                }

                tensorType = Message(ref typeReader, field, wire);
            }
            else
            {
                typeReader.Skip(wire);
            }
        }

        return tensorType is { } tensorRange ? ReadTensorType(data, tensorRange, name) : new OnnxValueInfo(name, isTensor: false, 0, null);
    }

    // TypeProto.Tensor: the element type and, when declared, the shape.
    private static OnnxValueInfo ReadTensorType(byte[] data, ByteRange tensorRange, string name)
    {
        int elementType = 0;
        ByteRange? shape = null;
        var tensorReader = new ProtobufReader(data, tensorRange, "TypeProto.Tensor");
        while (tensorReader.TryReadTag(out int field, out var wire))
        {
            switch (field)
            {
                case TypeTensorElemType:
                    elementType = (int)Varint(ref tensorReader, field, wire);
                    break;
                case TypeTensorShape:
                    if (shape is not null)
                    {
                        throw tensorReader.Duplicate("shape");
                    }

                    shape = Message(ref tensorReader, field, wire);
                    break;
                default:
                    tensorReader.Skip(wire);
                    break;
            }
        }

        return new OnnxValueInfo(name, isTensor: true, elementType, shape is { } s ? ReadShape(data, s, name) : null);
    }

    private static OnnxDimension[] ReadShape(byte[] data, ByteRange range, string valueName)
    {
        const string Type = "TensorShapeProto";
        int count = Count(data, range, Type, ShapeDim, OnnxImportLimits.MaxRank, $"dimensions of '{valueName}'");
        var dims = NewArray<OnnxDimension>(count);
        int index = 0;
        var reader = new ProtobufReader(data, range, Type);
        while (reader.TryReadTag(out int field, out var wire))
        {
            if (field != ShapeDim)
            {
                reader.Skip(wire);
                continue;
            }

            long? value = null;
            string? parameter = null;
            var dimReader = new ProtobufReader(data, Message(ref reader, field, wire), "TensorShapeProto.Dimension");
            while (dimReader.TryReadTag(out int dimField, out var dimWire))
            {
                switch (dimField)
                {
                    case DimValue:
                        value = Varint(ref dimReader, dimField, dimWire);
                        parameter = null;
                        break;
                    case DimParam:
                        parameter = String(ref dimReader, dimField, dimWire);
                        value = null;
                        break;
                    default:
                        dimReader.Skip(dimWire);
                        break;
                }
            }

            dims[index++] = new OnnxDimension(value, parameter);
        }

        return dims;
    }

    /// <summary>
    /// The number of occurrences of a length-delimited <paramref name="field"/> in a message (validating the whole
    /// message's framing on the way), capped at <paramref name="limit"/>.
    /// </summary>
    private static int Count(byte[] data, ByteRange range, string type, int field, int limit, string what)
    {
        int count = 0;
        var reader = new ProtobufReader(data, range, type);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f == field)
            {
                Message(ref reader, f, wire);
                if (++count > limit)
                {
                    throw new OnnxImportError(OnnxImportProblem.HostileSize, $"The model has more than {ProtobufReader.Number(limit)} {what}, the most NetGen reads");
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return count;
    }

    private static bool HasField(byte[] data, ByteRange range, string type, int field)
    {
        var reader = new ProtobufReader(data, range, type);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f == field)
            {
                return true;
            }

            reader.Skip(wire);
        }

        return false;
    }

    /// <summary>A repeated int64 field, packed or not (protobuf parsers must accept both).</summary>
    public static long[] ReadRepeatedInt64(byte[] data, ByteRange range, string type, int field)
    {
        int count = 0;
        var reader = new ProtobufReader(data, range, type);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f != field)
            {
                reader.Skip(wire);
            }
            else if (wire == WireType.Varint)
            {
                reader.ReadVarint();
                count++;
            }
            else if (wire == WireType.LengthDelimited)
            {
                count += CountPackedVarints(data, reader.ReadLengthDelimited(), type);
            }
            else
            {
                throw reader.WrongWireType(f, wire);
            }
        }

        var values = NewArray<long>(count);
        int index = 0;
        reader = new ProtobufReader(data, range, type);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f != field)
            {
                reader.Skip(wire);
            }
            else if (wire == WireType.Varint)
            {
                values[index++] = reader.ReadInt64();
            }
            else
            {
                var packedRange = reader.ReadLengthDelimited();
                var packed = new ProtobufReader(data, packedRange, type);
                while (packed.Position < packedRange.End)
                {
                    values[index++] = packed.ReadInt64();
                }
            }
        }

        return values;
    }

    private static float[] ReadRepeatedFloat(byte[] data, ByteRange range, string type, int field)
    {
        int count = 0;
        var reader = new ProtobufReader(data, range, type);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f != field)
            {
                reader.Skip(wire);
            }
            else if (wire == WireType.Fixed32)
            {
                reader.ReadFixed32();
                count++;
            }
            else if (wire == WireType.LengthDelimited)
            {
                var packed = reader.ReadLengthDelimited();
                if (packed.Length % 4 != 0)
                {
                    throw new OnnxImportError(OnnxImportProblem.MalformedProtobuf, $"Malformed protobuf at byte {ProtobufReader.Number(packed.Start)}: a packed float field of {type} is {ProtobufReader.Number(packed.Length)} bytes long, not a multiple of 4");
                }

                count += packed.Length / 4;
            }
            else
            {
                throw reader.WrongWireType(f, wire);
            }
        }

        var values = NewArray<float>(count);
        int index = 0;
        reader = new ProtobufReader(data, range, type);
        while (reader.TryReadTag(out int f, out var wire))
        {
            if (f != field)
            {
                reader.Skip(wire);
            }
            else if (wire == WireType.Fixed32)
            {
                values[index++] = reader.ReadFloat();
            }
            else
            {
                var packed = reader.ReadLengthDelimited();
                var packedReader = new ProtobufReader(data, packed, type);
                for (int i = 0; i < packed.Length / 4; i++)
                {
                    values[index++] = packedReader.ReadFloat();
                }
            }
        }

        return values;
    }

    /// <summary>The number of varints in a packed field; each ends at a byte below 0x80, and so must the field.</summary>
    public static int CountPackedVarints(byte[] data, ByteRange range, string type)
    {
        int count = 0;
        for (int i = range.Start; i < range.End; i++)
        {
            if (data[i] < 0x80)
            {
                count++;
            }
        }

        if (range.Length > 0 && data[range.End - 1] >= 0x80)
        {
            throw new OnnxImportError(OnnxImportProblem.MalformedProtobuf, $"Malformed protobuf at byte {ProtobufReader.Number(range.End - 1)}: a packed varint field of {type} ends inside a varint");
        }

        return count;
    }

    // Zero-length arrays are shared, so an empty repeated field costs nothing.
    private static T[] NewArray<T>(int count) => count == 0 ? System.Array.Empty<T>() : new T[count];

    private static long Varint(ref ProtobufReader reader, int field, WireType wire) =>
        wire == WireType.Varint ? reader.ReadInt64() : throw reader.WrongWireType(field, wire);

    private static string String(ref ProtobufReader reader, int field, WireType wire) =>
        wire == WireType.LengthDelimited ? reader.ReadString() : throw reader.WrongWireType(field, wire);

    private static ByteRange Message(ref ProtobufReader reader, int field, WireType wire) =>
        wire == WireType.LengthDelimited ? reader.ReadLengthDelimited() : throw reader.WrongWireType(field, wire);
}
