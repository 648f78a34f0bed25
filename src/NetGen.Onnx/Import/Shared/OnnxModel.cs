// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

// The subset of an ONNX ModelProto that NetGen reads, as OnnxModelReader parses it. Tensor data stays in the model's
// bytes (a ByteRange per tensor message) until the recognizer decodes the few tensors it needs.

/// <summary>A parsed model: its opsets, producer, metadata and main graph, over the bytes it was read from.</summary>
internal sealed class OnnxModel
{
    public OnnxModel(byte[] data, OnnxOpset[] opsets, string producerName, string producerVersion, OnnxGraph graph, OnnxMetadataEntry[] metadata)
    {
        Data = data;
        Opsets = opsets;
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        Graph = graph;
        Metadata = metadata;
    }

    /// <summary>The whole file; tensors refer into it.</summary>
    public byte[] Data { get; }

    public OnnxOpset[] Opsets { get; }

    public string ProducerName { get; }

    public string ProducerVersion { get; }

    public OnnxGraph Graph { get; }

    public OnnxMetadataEntry[] Metadata { get; }
}

/// <summary>An operator set the model imports: a domain ("" or "ai.onnx" for the default one) and its version.</summary>
internal readonly struct OnnxOpset
{
    public OnnxOpset(string domain, long version)
    {
        Domain = domain;
        Version = version;
    }

    public string Domain { get; }

    public long Version { get; }
}

/// <summary>One entry of the model's <c>metadata_props</c>.</summary>
internal readonly struct OnnxMetadataEntry
{
    public OnnxMetadataEntry(string key, string value)
    {
        Key = key;
        Value = value;
    }

    public string Key { get; }

    public string Value { get; }
}

/// <summary>The main graph: nodes in their (topological) order, initializers, inputs and outputs.</summary>
internal sealed class OnnxGraph
{
    public OnnxGraph(OnnxNode[] nodes, OnnxTensor[] initializers, int sparseInitializerCount, OnnxValueInfo[] inputs, OnnxValueInfo[] outputs)
    {
        Nodes = nodes;
        Initializers = initializers;
        SparseInitializerCount = sparseInitializerCount;
        Inputs = inputs;
        Outputs = outputs;
    }

    public OnnxNode[] Nodes { get; }

    public OnnxTensor[] Initializers { get; }

    public int SparseInitializerCount { get; }

    public OnnxValueInfo[] Inputs { get; }

    public OnnxValueInfo[] Outputs { get; }
}

/// <summary>One node: an operator applied to named input values, producing named output values.</summary>
internal sealed class OnnxNode
{
    public OnnxNode(int index, string name, string opType, string domain, string[] inputs, string[] outputs, OnnxAttribute[] attributes)
    {
        Index = index;
        Name = name;
        OpType = opType;
        Domain = domain;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>The node's position in the graph.</summary>
    public int Index { get; }

    public string Name { get; }

    public string OpType { get; }

    public string Domain { get; }

    /// <summary>The input values; an empty name is an optional input left out.</summary>
    public string[] Inputs { get; }

    public string[] Outputs { get; }

    public OnnxAttribute[] Attributes { get; }

    /// <summary>How messages name the node: its name, else its first output, else its position.</summary>
    public string DisplayName =>
        Name.Length > 0 ? Name : Outputs.Length > 0 && Outputs[0].Length > 0 ? Outputs[0] : "#" + ProtobufReader.Number(Index);

    /// <summary>The input at <paramref name="index"/>, or "" when the node has fewer inputs.</summary>
    public string Input(int index) => index < Inputs.Length ? Inputs[index] : string.Empty;

    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    public OnnxAttribute? Attribute(string name)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }
}

/// <summary>One node attribute: the values NetGen reads (a graph, strings or sparse tensors are skipped).</summary>
internal sealed class OnnxAttribute
{
    public OnnxAttribute(string name, float? f, long? i, ByteRange? s, OnnxTensor? t, float[]? floats, long[]? ints)
    {
        Name = name;
        F = f;
        I = i;
        S = s;
        T = t;
        Floats = floats;
        Ints = ints;
    }

    public string Name { get; }

    public float? F { get; }

    public long? I { get; }

    public ByteRange? S { get; }

    public OnnxTensor? T { get; }

    public float[]? Floats { get; }

    public long[]? Ints { get; }
}

/// <summary>A tensor: name, element type and shape, with its data left in the model's bytes.</summary>
internal sealed class OnnxTensor
{
    public OnnxTensor(string name, int dataType, long[] dims, ByteRange message, ByteRange? raw, string? externalLocation, bool isExternal, bool hasSegment)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        Message = message;
        Raw = raw;
        ExternalLocation = externalLocation;
        IsExternal = isExternal;
        HasSegment = hasSegment;
    }

    public string Name { get; }

    /// <summary>TensorProto.DataType as a number (1 FLOAT, 10 FLOAT16, 11 DOUBLE, 16 BFLOAT16, …).</summary>
    public int DataType { get; }

    public long[] Dims { get; }

    /// <summary>The TensorProto's own bytes, read again when its typed data fields are decoded.</summary>
    public ByteRange Message { get; }

    /// <summary>The raw_data payload, when present.</summary>
    public ByteRange? Raw { get; }

    /// <summary>The <c>location</c> entry of external_data, when given.</summary>
    public string? ExternalLocation { get; }

    /// <summary>Whether the data lives in another file (data_location EXTERNAL or external_data entries).</summary>
    public bool IsExternal { get; }

    /// <summary>Whether the tensor is one segment of a larger one (TensorProto.segment), which NetGen does not read.</summary>
    public bool HasSegment { get; }
}

/// <summary>A graph input or output: its name, element type and shape, as far as the model declares them.</summary>
internal sealed class OnnxValueInfo
{
    public OnnxValueInfo(string name, bool isTensor, int elementType, OnnxDimension[]? shape)
    {
        Name = name;
        IsTensor = isTensor;
        ElementType = elementType;
        Shape = shape;
    }

    public string Name { get; }

    /// <summary>False when the type is a sequence, map, optional or sparse tensor, or missing.</summary>
    public bool IsTensor { get; }

    /// <summary>The tensor's element type (TensorProto.DataType), 0 when not declared.</summary>
    public int ElementType { get; }

    /// <summary>The dimensions, or null when the shape is not declared.</summary>
    public OnnxDimension[]? Shape { get; }
}

/// <summary>One dimension of a declared shape: a number, a symbolic name, or neither (unknown).</summary>
internal readonly struct OnnxDimension
{
    public OnnxDimension(long? value, string? parameter)
    {
        Value = value;
        Parameter = parameter;
    }

    public long? Value { get; }

    public string? Parameter { get; }

    public override string ToString() => Value is { } value ? ProtobufReader.Number(value) : Parameter is { Length: > 0 } name ? name : "?";
}
