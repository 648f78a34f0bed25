using System;
using System.Buffers.Binary;
using System.Numerics;
using Google.Protobuf;
using NetGen.Onnx.Proto;

namespace NetGen.Onnx;

/// <summary>
/// Adds nodes and initializers to an ONNX graph whose tensors all have one element type, FLOAT or DOUBLE: the
/// vocabulary in which the exporter writes layers and activations.
/// </summary>
internal sealed class OnnxGraphBuilder(GraphProto graph, TensorProto.Types.DataType elementType)
{
    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; } = graph;

    /// <summary>FLOAT or DOUBLE: the type of every tensor of the network.</summary>
    public TensorProto.Types.DataType ElementType { get; } = elementType;

    /// <summary>Whether the network's tensors are DOUBLE.</summary>
    public bool IsDouble => ElementType == TensorProto.Types.DataType.Double;

    /// <summary>Adds the node <paramref name="name"/>: <paramref name="opType"/> from the ONNX domain.</summary>
    public void AddNode(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>
    /// Adds a dense initializer of the network's element type as raw_data: little-endian elements in row-major order, as
    /// the ONNX specification stores them.
    /// </summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite (named as the network's parameter).</exception>
    public void AddInitializer<T>(string name, ReadOnlySpan<T> values, params long[] dims)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = IsDouble ? sizeof(double) : sizeof(float);
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                throw new ArgumentException($"Parameter {name}[{i}] is {values[i]}; only finite weights are exported, and nothing was written.", "network");
            }

            if (IsDouble)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(sizeof(double) * i), double.CreateChecked(values[i]));
            }
            else
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(sizeof(float) * i), float.CreateChecked(values[i]));
            }
        }

        var tensor = new TensorProto { Name = name, DataType = (int)ElementType, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(dims);
        Graph.Initializer.Add(tensor);
    }

    /// <summary>Adds an initializer of any element type from its little-endian bytes (raw_data), row-major.</summary>
    public void AddRawInitializer(string name, TensorProto.Types.DataType type, byte[] bytes, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(dims);
        Graph.Initializer.Add(tensor);
    }

    /// <summary>Adds a scalar (rank-0) initializer of the network's element type; in a DOUBLE graph the value is exact.</summary>
    public void AddScalar(string name, double value)
    {
        if (IsDouble)
        {
            AddInitializer<double>(name, [value]);
        }
        else
        {
            AddInitializer<float>(name, [(float)value]);
        }
    }

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A FLOAT attribute: 32 bits even in a DOUBLE graph.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
