// Shared source: compiled into NetGen.Onnx and linked into the source generator (see OnnxImportProblem.cs).
using System;
using System.Collections.Generic;

#if NETGEN_GENERATOR
namespace NetGen.Generator.Shared.Onnx;
#else
namespace NetGen.Onnx;
#endif

/// <summary>A constant tensor's values (as doubles) and shape, and the initializer or node it came from.</summary>
internal sealed class ConstantTensor
{
    public ConstantTensor(string name, int dataType, long[] dims, double[] values)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        Values = values;
    }

    /// <summary>The initializer it was read from, or the value that names it.</summary>
    public string Name { get; }

    /// <summary>The element type after any Cast (TensorProto.DataType).</summary>
    public int DataType { get; }

    public long[] Dims { get; }

    public double[] Values { get; }

    /// <summary>Whether the tensor holds one element (a scalar, or any shape of ones).</summary>
    public bool IsSingle => Values.Length == 1;
}

/// <summary>
/// The graph's values by name: which initializer or node defines each, which values are constants (initializers,
/// Constant nodes, and Identity or Cast of constants, as exporters write around shared weights), and their values,
/// decoded once. Every step from a node to the producer of one of its inputs is checked to go backwards in the graph's
/// order, as ONNX requires, so no walk over a malformed graph can loop.
/// </summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, OnnxTensor> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConstantTensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _constantChains = new(StringComparer.Ordinal);

    public OnnxGraphIndex(OnnxModel model, long opset)
    {
        Model = model;
        Opset = opset;
        var graph = model.Graph;
        foreach (var tensor in graph.Initializers)
        {
            if (tensor.Name.Length == 0)
            {
                throw new OnnxImportError(OnnxImportProblem.InvalidModel, "An initializer has no name");
            }

            if (_initializers.ContainsKey(tensor.Name))
            {
                throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Two initializers are called '{tensor.Name}'", tensor: tensor.Name);
            }

            _initializers.Add(tensor.Name, tensor);
        }

        foreach (var node in graph.Nodes)
        {
            if (node.OpType.Length == 0)
            {
                throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Node {node.DisplayName} (number {ProtobufReader.Number(node.Index)} in the graph) has no operator type", node.DisplayName);
            }

            foreach (string output in node.Outputs)
            {
                if (output.Length == 0)
                {
                    continue;
                }

                if (_producers.TryGetValue(output, out var other) || _initializers.ContainsKey(output))
                {
                    string first = other is null ? "an initializer" : $"node '{other.DisplayName}' ({other.OpType})";
                    throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Node '{node.DisplayName}' ({node.OpType}) computes '{output}', which {first} already defines; every ONNX value is defined once", node.DisplayName);
                }

                _producers.Add(output, node);
            }
        }
    }

    public OnnxModel Model { get; }

    public byte[] Data => Model.Data;

    /// <summary>The default-domain opset, which decides operators' defaults (Softmax's axis, Dropout's inputs, …).</summary>
    public long Opset { get; }

    public bool IsInitializer(string value) => _initializers.ContainsKey(value);

    /// <summary>The node that computes <paramref name="value"/>, or null for an initializer, the graph input or an undefined value.</summary>
    public OnnxNode? Producer(string value) => _producers.TryGetValue(value, out var node) ? node : null;

    /// <summary>
    /// The node that computes <paramref name="value"/>, an input of <paramref name="consumer"/>: it must exist and come
    /// before the consumer in the graph.
    /// </summary>
    public OnnxNode RequireProducer(string value, OnnxNode consumer)
    {
        if (!_producers.TryGetValue(value, out var producer))
        {
            throw Undefined(value, consumer);
        }

        if (producer.Index >= consumer.Index)
        {
            throw new OnnxImportError(OnnxImportProblem.InvalidModel, $"Node '{consumer.DisplayName}' ({consumer.OpType}) uses '{value}' before node '{producer.DisplayName}' computes it: the graph is not in topological order", consumer.DisplayName);
        }

        return producer;
    }

    /// <summary>The error for an input that nothing defines.</summary>
    public static OnnxImportError Undefined(string value, OnnxNode consumer) =>
        new(OnnxImportProblem.MissingInitializer, $"Node '{consumer.DisplayName}' ({consumer.OpType}) uses '{value}', which is neither an initializer, the graph input nor the output of a node", consumer.DisplayName, value);

    /// <summary>Whether <paramref name="value"/>, used by the node at <paramref name="consumerIndex"/>, is a constant (without decoding it).</summary>
    public bool IsConstant(string value, int consumerIndex)
    {
        // The chain behind a value is the same for every consumer; only its first producer must precede the consumer.
        if (!_constantChains.TryGetValue(value, out int first))
        {
            first = Base(value, int.MaxValue, out _, null) is null ? int.MaxValue : FirstProducerIndex(value);
            _constantChains[value] = first;
        }

        return first < consumerIndex;
    }

    /// <summary>The constant <paramref name="value"/>, an input of <paramref name="consumer"/>, decoded.</summary>
    /// <exception cref="OnnxImportError">It is not a constant, or its data is invalid.</exception>
    public ConstantTensor Constant(string value, OnnxNode consumer)
    {
        if (!IsConstant(value, consumer.Index))
        {
            throw _producers.ContainsKey(value)
                ? new OnnxImportError(OnnxImportProblem.MissingInitializer, $"Node '{consumer.DisplayName}' ({consumer.OpType}) needs '{value}' to be a constant (an initializer), but the graph computes it", consumer.DisplayName, value)
                : Undefined(value, consumer);
        }

        if (_constants.TryGetValue(value, out var known))
        {
            return known;
        }

        var casts = new List<OnnxNode>();
        var source = Base(value, consumer.Index, out var baseConsumer, casts)!;
        ConstantTensor result = source is OnnxTensor tensor
            ? new ConstantTensor(tensor.Name, tensor.DataType, tensor.Dims, OnnxTensorData.ReadReal(Data, tensor, (baseConsumer ?? consumer).DisplayName))
            : ConstantNodeValue((OnnxNode)source, value);
        for (int i = casts.Count - 1; i >= 0; i--)
        {
            result = Cast(result, casts[i]);
        }

        _constants[value] = result;
        return result;
    }

    // The index of the node computing value, or -1 for an initializer.
    private int FirstProducerIndex(string value) =>
        _initializers.ContainsKey(value) ? -1 : _producers[value].Index;

    /// <summary>The shape of the constant <paramref name="value"/>, without decoding its data; null when it is not a constant.</summary>
    public long[]? ConstantShape(string value, int consumerIndex)
    {
        if (!IsConstant(value, consumerIndex))
        {
            return null;
        }

        return Base(value, consumerIndex, out _, null) switch
        {
            OnnxTensor tensor => tensor.Dims,
            OnnxNode node => ConstantNodeShape(node),
            _ => null,
        };
    }

    // Follows Identity and Cast nodes back from value to the initializer (an OnnxTensor) or Constant node (an OnnxNode)
    // it copies, iteratively, so a long chain cannot exhaust the stack; null when value is not a constant. The Casts
    // met on the way are added to casts, outermost first.
    private object? Base(string value, int consumerIndex, out OnnxNode? lastConsumer, List<OnnxNode>? casts)
    {
        lastConsumer = null;
        while (true)
        {
            if (_initializers.TryGetValue(value, out var tensor))
            {
                return tensor;
            }

            if (!_producers.TryGetValue(value, out var producer) || producer.Index >= consumerIndex || producer.Domain.Length != 0)
            {
                return null;
            }

            if (producer.OpType == "Constant")
            {
                return producer;
            }

            if (producer.OpType is not ("Identity" or "Cast") || producer.Inputs.Length < 1 || producer.Inputs[0].Length == 0)
            {
                return null;
            }

            if (producer.OpType == "Cast")
            {
                casts?.Add(producer);
            }

            consumerIndex = producer.Index;
            lastConsumer = producer;
            value = producer.Inputs[0];
        }
    }

    private static long[] ConstantNodeShape(OnnxNode node)
    {
        foreach (var attribute in node.Attributes)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.T is { } tensor:
                    return tensor.Dims;
                case "value_float" when attribute.F is not null:
                case "value_int" when attribute.I is not null:
                    return [];
                case "value_floats" when attribute.Floats is { } floats:
                    return [floats.Length];
                case "value_ints" when attribute.Ints is { } ints:
                    return [ints.Length];
            }
        }

        return [];
    }

    private ConstantTensor ConstantNodeValue(OnnxNode node, string value)
    {
        foreach (var attribute in node.Attributes)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.T is { } tensor:
                    return new ConstantTensor(value, tensor.DataType, tensor.Dims, OnnxTensorData.ReadReal(Data, tensor, node.DisplayName));
                case "value_float" when attribute.F is { } f:
                    return new ConstantTensor(value, OnnxTensorData.Float, [], [f]);
                case "value_floats" when attribute.Floats is { } floats:
                    var values = new double[floats.Length];
                    for (int i = 0; i < floats.Length; i++)
                    {
                        values[i] = floats[i];
                    }

                    return new ConstantTensor(value, OnnxTensorData.Float, [floats.Length], values);
                case "value_int" when attribute.I is { } i:
                    return new ConstantTensor(value, OnnxTensorData.Int64, [], [i]);
                case "value_ints" when attribute.Ints is { } ints:
                    var integers = new double[ints.Length];
                    for (int k = 0; k < ints.Length; k++)
                    {
                        integers[k] = ints[k];
                    }

                    return new ConstantTensor(value, OnnxTensorData.Int64, [ints.Length], integers);
            }
        }

        throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"Constant node '{node.DisplayName}' has no value NetGen reads (value, value_float, value_floats, value_int or value_ints); sparse and string constants are not read", node.DisplayName);
    }

    private static ConstantTensor Cast(ConstantTensor input, OnnxNode node)
    {
        long to = node.Attribute("to")?.I ?? -1;
        var values = new double[input.Values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = input.Values[i];
            values[i] = to switch
            {
                OnnxTensorData.Float => (float)v,
                OnnxTensorData.Double => v,
                OnnxTensorData.Int64 or OnnxTensorData.Int32 => Math.Truncate(v),
                _ => throw new OnnxImportError(OnnxImportProblem.UnsupportedUse, $"Cast node '{node.DisplayName}' converts a constant to {OnnxTensorData.TypeName((int)to)}; NetGen reads casts of constants to FLOAT, DOUBLE, INT64 and INT32", node.DisplayName),
            };
        }

        return new ConstantTensor(input.Name, (int)to, input.Dims, values);
    }
}
